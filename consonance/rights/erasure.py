"""Erasure (P13, P26) with legal holds, and the residue scan that verifies it.

`person_erase` deletes every registry model's rows about the person except those in a category
under a legal hold (bookkeeping, P14), which stay minimised: the voucher keeps the payer's name,
because Bokföringslagen 5 kap. 7 § requires a verifikation to show who the counterparty was, but
its link to the person (and so to everything else about her) is cut. Then her key is destroyed,
the Person is deleted, and `find_residue` must find nothing outside the holds *before* the receipt
is issued: any residue rolls the whole erasure back and raises ErasureFailed.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.apps import apps
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Cast
from django.utils import timezone

from consonance.audit.services import audit_append
from consonance.lib.text import normalise_email
from consonance.lib.urls import absolute_url
from consonance.mail.outbox import mail_queue, mail_suppress, mail_unsuppress
from consonance.people.keys import person_key_destroy
from consonance.people.models import Person
from consonance.privacy.policy import Policy, RetentionRule, get_policy
from consonance.privacy.registry import Holding, PersonalModel, clock_value, registry
from consonance.rights.models import ErasureReceipt, Request
from consonance.rights.services import deadline_due

RECEIPT_TEMPLATE = "rights_erasure_receipt"
_TEXT_FIELDS = (models.CharField, models.TextField)


def _allowed_residue() -> dict[str, Q]:
    """Rows that may name an erased person on purpose, with why.

    - mail.OutboxMessage, the erasure receipt: the one message an erased address still gets;
      the mail app deletes it once sent (rule "messages-after-reply", job "mail-purge").
    """
    return {"mail.OutboxMessage": Q(template=RECEIPT_TEMPLATE)}


class ErasureFailed(Exception):
    """Residue was found after the erasure; nothing was committed."""

    def __init__(self, findings: list[Finding]):
        self.findings = findings
        super().__init__(
            "erasure incomplete, rolled back: "
            + ", ".join(f"{f.model}#{f.pk}.{'/'.join(f.fields)}" for f in findings)
        )


@dataclass
class Identifiers:
    """What identifies one person directly: searched for by the verifier."""

    person_id: int | None = None
    emails: set[str] = field(default_factory=set)
    names: set[tuple[str, str]] = field(default_factory=set)  # (first, last)
    others: set[str] = field(default_factory=set)  # full names, phones, street addresses

    def exact_values(self) -> set[str]:
        return {v for v in self.emails | self.others if v}

    def search_texts(self) -> set[str]:
        """Substrings for the deep scan: long enough to mean her, not a common word."""
        texts = set(self.emails)
        texts |= {f"{first} {last}" for first, last in self.names if first and last}
        texts |= {v for v in self.others if len(v) >= 6}
        return {t for t in texts if t}


@dataclass
class Finding:
    model: str
    pk: object
    fields: tuple[str, ...]
    held: bool = False
    reason: str = ""

    def as_dict(self) -> dict:
        return {
            "model": self.model,
            "id": self.pk,
            "fields": list(self.fields),
            "held": self.held,
            **({"reason": self.reason} if self.reason else {}),
        }


@dataclass
class ScanResult:
    residue: list[Finding]
    held: list[Finding]
    tables: int = 0
    rows: int = 0
    seconds: float = 0.0


def _hold_rule(policy: Policy, category: str) -> RetentionRule | None:
    return next((r for r in policy.rules_for(category) if r.legal_hold), None)


def _held_holdings(
    policy: Policy, declaration: PersonalModel
) -> list[tuple[Holding, RetentionRule]]:
    """The model's holdings under a legal hold, each with its hold rule."""
    held = []
    for holding in declaration.holdings:
        rule = _hold_rule(policy, holding.category)
        if rule is not None:
            held.append((holding, rule))
    return held


def _held_fields(policy: Policy, declaration: PersonalModel) -> set[str]:
    """Fields of the model that are kept under a legal hold."""
    return {
        name
        for holding in declaration.holdings
        if _hold_rule(policy, holding.category)
        for name in holding.fields
    }


def _email_fields(model: type[models.Model], names: Iterable[str]) -> list[str]:
    return [n for n in names if isinstance(model._meta.get_field(n), models.EmailField)]


def identifiers_of(person: Person) -> Identifiers:
    """The person's e-mail and names, and every identifier her registry rows hold."""
    ids = Identifiers(person_id=person.pk)
    ids.emails.add(normalise_email(person.email))
    ids.names.add((person.first_name, person.last_name))
    ids.others.add(f"{person.first_name} {person.last_name}".strip())
    for declaration in registry():
        if not declaration.identifiers:
            continue
        model = declaration.model_class
        emails = set(_email_fields(model, declaration.identifiers))
        pair = {"first_name", "last_name"} <= set(declaration.identifiers)
        for row in declaration.rows_for(person.pk).values(*declaration.identifiers):
            for name, value in row.items():
                if not isinstance(value, str) or not value.strip():
                    continue
                if name in emails:
                    ids.emails.add(normalise_email(value))
                elif not (pair and name in ("first_name", "last_name")):
                    ids.others.add(value.strip())
            if pair and row.get("first_name") and row.get("last_name"):
                ids.names.add((row["first_name"].strip(), row["last_name"].strip()))
                ids.others.add(f"{row['first_name'].strip()} {row['last_name'].strip()}")
    return ids


def _registry_scan(ids: Identifiers, policy: Policy) -> ScanResult:
    """Every table the registry knows: rows linked to her, or holding her identifiers exactly."""
    result = ScanResult([], [])
    allowed = _allowed_residue()
    values = ids.exact_values()
    for declaration in registry():
        model = declaration.model_class
        result.tables += 1
        identifiers = tuple(declaration.identifiers)
        emails = set(_email_fields(model, identifiers))
        pair = {"first_name", "last_name"} <= set(identifiers)
        query = Q()
        if ids.person_id is not None:
            query |= Q(**{declaration.subject_lookup(): ids.person_id})
        for name in identifiers:
            if pair and name in ("first_name", "last_name"):
                continue
            query |= Q(**{f"{name}__in": ids.emails if name in emails else values})
        if pair:
            for first, last in ids.names:
                query |= Q(first_name=first, last_name=last)
        if not query:
            continue
        queryset = model._default_manager.filter(query)
        if declaration.model in allowed:
            queryset = queryset.exclude(allowed[declaration.model])
        link = declaration.subject_lookup() if ids.person_id is not None else None
        columns = ["pk", *identifiers, *([link] if link else [])]
        held_fields = _held_fields(policy, declaration)
        for row in queryset.values(*columns):
            linked = link is not None and row.get(link) == ids.person_id
            matched = [
                name
                for name in emails
                if isinstance(row.get(name), str)
                and row[name]
                and normalise_email(row[name]) in ids.emails
            ]
            # A name, phone or street address alone is not hers when the row carries someone
            # else's e-mail address (namesakes, a shared family phone or home).
            someone_else = not matched and any(
                row.get(e) and normalise_email(row[e]) not in ids.emails for e in emails
            )
            if not someone_else:
                for name in identifiers:
                    value = row.get(name)
                    if name in emails or not isinstance(value, str) or not value:
                        continue
                    if value.strip() in values:
                        matched.append(name)
                if pair and (row.get("first_name"), row.get("last_name")) in ids.names:
                    matched += ["first_name", "last_name"]
            if not matched and not linked:
                continue
            finding = Finding(declaration.model, row["pk"], tuple(matched) or ("(link)",))
            if matched and set(matched) <= held_fields and not linked:
                finding.held = True
                rule = next(
                    r
                    for h, r in _held_holdings(policy, declaration)
                    if set(matched) & set(h.fields)
                )
                finding.reason = rule.legal_hold or ""
                result.held.append(finding)
            else:
                result.residue.append(finding)
    return result


def _deep_scan(ids: Identifiers, policy: Policy, result: ScanResult) -> None:
    """Every text column of every table of every installed app, declared or not."""
    texts = ids.search_texts()
    if not texts:
        return
    # JSON columns store non-ASCII escaped on some databases ("\u00c5sa").
    json_texts = texts | {json.dumps(t)[1:-1] for t in texts}
    declared = {d.model: d for d in registry()}
    allowed = _allowed_residue()
    seen = {(f.model, f.pk) for f in result.residue + result.held}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or not meta.managed:
            continue
        declaration = declared.get(meta.label)
        skip = _held_fields(policy, declaration) if declaration else set()
        text_fields = [
            f.name
            for f in meta.concrete_fields
            if isinstance(f, _TEXT_FIELDS) and f.name not in skip and not f.choices
        ]
        json_fields = [
            f.name
            for f in meta.concrete_fields
            if isinstance(f, models.JSONField) and f.name not in skip
        ]
        if not text_fields and not json_fields:
            continue
        result.tables += 1
        queryset = model._default_manager.all()
        query = Q()
        for name in text_fields:
            for text in texts:
                query |= Q(**{f"{name}__icontains": text})
        casts = {}
        for index, name in enumerate(json_fields):
            alias = f"_deep_json_{index}"
            casts[alias] = Cast(name, models.TextField())
            for text in json_texts:
                query |= Q(**{f"{alias}__icontains": text})
        if casts:
            queryset = queryset.annotate(**casts)
        queryset = queryset.filter(query)
        if meta.label in allowed:
            queryset = queryset.exclude(allowed[meta.label])
        for row in queryset.values("pk", *text_fields, *casts):
            if (meta.label, row["pk"]) in seen:
                continue
            hits = tuple(
                name
                for name, value in row.items()
                if name != "pk"
                and isinstance(value, str)
                and any(t.lower() in value.lower() for t in json_texts)
            )
            names = tuple(
                json_fields[int(h.rsplit("_", 1)[1])] if h.startswith("_deep_json_") else h
                for h in hits
            )
            result.residue.append(Finding(meta.label, row["pk"], names or ("?",), reason="deep"))


def find_residue(ids: Identifiers, *, deep: bool = False) -> ScanResult:
    """Search for the person's identifiers; residue is everything found outside legal holds."""
    policy = get_policy()
    started = time.perf_counter()
    result = _registry_scan(ids, policy)
    if deep:
        _deep_scan(ids, policy, result)
    result.seconds = time.perf_counter() - started
    return result


def _date(value: dt.datetime | None) -> str | None:
    return value.date().isoformat() if value else None


def _subject_is_direct_fk(declaration: PersonalModel) -> bool:
    if not declaration.subject or "__" in declaration.subject:
        return False
    f = declaration.model_class._meta.get_field(declaration.subject)
    return bool(getattr(f, "null", False))


def _depth(declaration: PersonalModel) -> int:
    return declaration.subject.count("__") + 1 if declaration.subject else 0


def person_erase(*, person: Person, actor: str, via: str = "self-service") -> ErasureReceipt:
    """Erase everything about `person` that the law lets go, keep the rest minimised, verify,
    and issue the receipt (mailed once to her address, which is then suppressed for good).

    Raises ErasureFailed (and commits nothing) when the verifier finds residue.
    """

    policy = get_policy()
    now = timezone.now()
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=person.pk)
        person_id, email, language = person.pk, person.email, person.language
        ids = identifiers_of(person)
        Request.objects.filter(person=person, state=Request.State.OPEN).update(
            state=Request.State.DONE, handled_at=now, note="ersatt av radering"
        )
        request = Request.objects.create(
            kind=Request.Kind.ERASURE,
            person=None,
            received_at=now,
            deadline="rights-request",
            due_at=deadline_due("rights-request", now),
            state=Request.State.DONE,
            handled_at=now,
            note=via,
        )
        erased: dict[str, dict] = {}
        kept: dict[str, dict] = {}

        def count_erased(declaration: PersonalModel, n: int) -> None:
            for holding in declaration.holdings:
                entry = erased.setdefault(
                    holding.category, {"category": holding.category, "count": 0, "models": {}}
                )
                entry["count"] += n
                entry["models"][declaration.model] = entry["models"].get(declaration.model, 0) + n

        # Count before deleting anything: deleting an order cascades to its billing details.
        counts = {d.model: d.rows_for(person_id).count() for d in registry() if d.subject}
        # Deepest subject paths first (an order's payments before the order), Person last.
        for declaration in sorted(registry(), key=_depth, reverse=True):
            if not declaration.subject:
                continue
            queryset = declaration.rows_for(person_id)
            held = _held_holdings(policy, declaration)
            if held:
                if not _subject_is_direct_fk(declaration):
                    raise ErasureFailed(
                        [Finding(declaration.model, None, ("subject",), reason="cannot unlink")]
                    )
                for holding, rule in held:
                    clock = holding.clocks.get(rule.after, "")
                    rows = []
                    for row in queryset.order_by("pk"):
                        start = clock_value(row, clock) if clock else None
                        rows.append(
                            {
                                "model": declaration.model,
                                "id": row.pk,
                                "until": _date(rule.expires(start)) if start else None,
                            }
                        )
                    if not rows:
                        continue
                    entry = kept.setdefault(
                        holding.category,
                        {
                            "category": holding.category,
                            "count": 0,
                            "rule": rule.id,
                            "promise": rule.promise,
                            "reason": rule.legal_hold,
                            "until": None,
                            "rows": [],
                        },
                    )
                    entry["count"] += len(rows)
                    entry["rows"] += rows
                    dates = [r["until"] for r in entry["rows"] if r["until"]]
                    entry["until"] = max(dates) if dates else None
                # Minimised: the rows keep what the law needs, never again linked to her.
                queryset.update(**{declaration.subject: None})
                continue
            if not declaration.holdings:
                # No personal values, only the link: cut it where the row may stay.
                if _subject_is_direct_fk(declaration):
                    queryset.update(**{declaration.subject: None})
                else:
                    queryset.delete()
                continue
            n = counts.get(declaration.model, 0)
            if n:
                queryset.delete()
                count_erased(declaration, n)
        key_destroyed = person_key_destroy(person=person, actor=actor)
        person_declaration = next(d for d in registry() if not d.subject)
        count_erased(person_declaration, 1)
        Person.objects.filter(pk=person_id).delete()

        scan = find_residue(ids)
        if scan.residue:
            raise ErasureFailed(scan.residue)
        receipt = ErasureReceipt.objects.create(
            issued_at=now,
            request=request,
            erased=[erased[c] for c in policy.categories if c in erased],
            kept=[kept[c] for c in policy.categories if c in kept],
            key_destroyed=key_destroyed,
            verified=True,
        )
        audit_append(
            actor=actor,
            action="person.erased",
            subject_id=person_id,
            detail={
                "receipt": receipt.pk,
                "request": request.pk,
                "erased": {e["category"]: e["count"] for e in receipt.erased},
                "kept": {k["category"]: k["count"] for k in receipt.kept},
            },
        )
        mail_queue(
            to=email,
            template=RECEIPT_TEMPLATE,
            context=receipt_context(receipt, language),
            language=language,
            bypass_suppression=True,
        )
        # Never used again (P26): a restriction's suppression becomes the erasure's.
        mail_unsuppress(email=email)
        mail_suppress(email=email, reason="erasure")
    return receipt


def receipt_context(receipt: ErasureReceipt, language: str) -> dict:
    """The receipt with the policy's names for its categories, for pages and mail."""
    from django.urls import reverse
    from django.utils import translation

    policy = get_policy()

    def name(category: str) -> str:
        known = policy.categories.get(category)
        return known.name.get(language) if known else category

    with translation.override(language):
        path = reverse("rights:receipt", args=[receipt.token])
    return {
        "receipt": receipt,
        "erased": [{**e, "name": name(e["category"])} for e in receipt.erased],
        "kept": [{**k, "name": name(k["category"])} for k in receipt.kept],
        "url": absolute_url(path),
    }
