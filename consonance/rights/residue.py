"""The residue scan that verifies an erasure: every identifier column the registry declares
(and with `deep`, every text column of every table) searched for the person's identifiers.
Rows under a legal hold, and the few allowed on purpose, are reported apart from residue."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache

from django.apps import apps
from django.db import connection, models
from django.db.models import Q
from django.db.models.functions import Cast

from consonance.lib.text import normalise_email
from consonance.mail.selectors import outbox_waiting_to
from consonance.people.keys import keys_for, person_keys
from consonance.people.models import Person
from consonance.privacy.census import PERSON_SENTINEL, census, for_person
from consonance.privacy.policy import Policy, RetentionRule, get_policy
from consonance.privacy.registry import (
    Holding,
    PersonalModel,
    registry,
    stores,
)
from consonance.rights.residue_columns import (
    column_of,
    decrypted,
    email_fields,
    has_identifier_fields,
    match_one,
    matched,
)

RECEIPT_TEMPLATE = "rights_erasure_receipt"
_TEXT_FIELDS = (models.CharField, models.TextField)


def allowed_residue() -> dict[str, Q]:
    """Rows that may name an erased person on purpose, with why.

    - mail.OutboxMessage, the erasure receipt: the one message an erased address still gets;
      the outbox deletes it the moment it is sent; until then the verifier reports it as pending.
    """
    return {"mail.OutboxMessage": Q(template=RECEIPT_TEMPLATE)}


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
            "id": self.pk if self.pk is None or isinstance(self.pk, int) else str(self.pk),
            "fields": list(self.fields),
            "held": self.held,
            **({"reason": self.reason} if self.reason else {}),
        }


@dataclass
class ScanResult:
    residue: list[Finding]
    held: list[Finding]
    # The erasure receipt still waiting in the outbox (the only row allowed to name an erased
    # address): reported, never hidden; the outbox deletes it as soon as it is sent.
    pending: list[Finding] = field(default_factory=list)
    tables: int = 0
    rows: int = 0
    seconds: float = 0.0


def hold_rule(policy: Policy, category: str) -> RetentionRule | None:
    return next((r for r in policy.rules_for(category) if r.legal_hold), None)


def held_holdings(
    policy: Policy, declaration: PersonalModel
) -> list[tuple[Holding, RetentionRule]]:
    """The model's holdings under a legal hold, each with its hold rule."""
    held = []
    for holding in declaration.holdings:
        rule = hold_rule(policy, holding.category)
        if rule is not None:
            held.append((holding, rule))
    return held


def held_fields(policy: Policy, declaration: PersonalModel) -> set[str]:
    """Fields of the model that are kept under a legal hold."""
    return {
        name
        for holding in declaration.holdings
        if hold_rule(policy, holding.category)
        for name in holding.fields
    }


def identifiers_of(
    person: Person, present: dict[str, int] | None = None, keys: dict[int, bytes] | None = None
) -> Identifiers:
    """The person's e-mail and names, and every identifier her registry rows hold. `present`:
    the registry's census of her rows, when the caller has it (only those tables are read);
    `keys`: her key, when the caller has read it for this request."""
    if present is None:
        present = census(person.pk)
    keys = person_keys([person.pk]) if keys is None else keys
    rows: dict[str, list[models.Model]] = {}
    for declaration in registry():
        if not declaration.identifiers or declaration.model not in present:
            continue
        if not declaration.subject:  # her own row: the caller has it
            rows[declaration.model] = [person]
            continue
        found = list(declaration.rows_for(person.pk))  # one read, decrypted with her key
        if has_identifier_fields(declaration.model_class):
            keys_for(found, keys)
        rows[declaration.model] = found
    return identifiers_from(person, rows)


def identifiers_from(person: Person, rows: Mapping[str, Sequence[models.Model]]) -> Identifiers:
    """`identifiers_of`, from her registry rows (model instances, their keys read) as the
    caller has them ({label: rows}): the export reads them anyway."""
    ids = Identifiers(person_id=person.pk)
    ids.emails.add(normalise_email(person.email))
    ids.names.add((person.first_name, person.last_name))
    ids.others.add(f"{person.first_name} {person.last_name}".strip())
    for declaration in registry():
        found = rows.get(declaration.model)
        if not declaration.identifiers or not found:
            continue
        emails = set(email_fields(declaration.model_class, declaration.identifiers))
        pair = {"first_name", "last_name"} <= set(declaration.identifiers)
        for instance in found:
            row = {name: getattr(instance, name) for name in declaration.identifiers}
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


@cache
def _hit_plan(
    vendor: str,
) -> tuple[tuple[PersonalModel, str, tuple, list[tuple[str, str, str]]], ...]:
    """Per registry model, planned once per process: the SQL of her linked rows (her id as a
    sentinel parameter) and, per identifier column, whether it holds an e-mail address."""
    del vendor  # the cache key
    plans = []
    for declaration in registry():
        model = declaration.model_class
        rows = declaration.rows_for(PERSON_SENTINEL).order_by().values("pk")
        linked, params = rows.query.sql_with_params()
        emails = set(email_fields(model, declaration.identifiers))
        columns = [
            (column_of(model, n), "email" if n in emails else n, n) for n in declaration.identifiers
        ]
        plans.append((declaration, linked, tuple(params), columns))
    return tuple(plans)


def _values_param(values: set[str]):
    """A set of texts as ONE parameter, for `col IN (<sub-select>)` (see `_in_values`)."""
    return sorted(values) if connection.vendor == "postgresql" else json.dumps(sorted(values))


def _in_values(column: str) -> str:
    if connection.vendor == "postgresql":
        return f'"{column}" = ANY(%s::text[])'
    return f'"{column}" IN (SELECT value FROM json_each(%s))'  # noqa: S608


def _tables_with_hits(ids: Identifiers) -> set[str]:
    """The registry models where her link or one of her identifiers occurs: one statement, one
    indexed branch per identifier column (and per name pair), before any row is read."""
    values = ids.exact_values()
    branches, params = [], []
    plans = _hit_plan(connection.vendor)
    for index, (declaration, linked, linked_params, columns) in enumerate(plans):
        model = declaration.model_class
        table = model._meta.db_table
        tests = []
        if ids.person_id is not None:
            tests.append((f"EXISTS ({linked})", for_person(linked_params, ids.person_id)))
        names = {n for _c, n, _f in columns}
        pair = {"first_name", "last_name"} <= names
        for column, name, field_name in columns:
            if pair and name in ("first_name", "last_name"):
                continue
            wanted = matched(model, field_name, ids.emails if name == "email" else values)
            if wanted:
                tests.append(
                    (
                        f'EXISTS (SELECT 1 FROM "{table}" WHERE {_in_values(column)})',  # noqa: S608
                        [_values_param(wanted)],
                    )
                )
        if pair:
            first, last = column_of(model, "first_name"), column_of(model, "last_name")
            for f, la in ids.names:
                f, la = match_one(model, "first_name", f), match_one(model, "last_name", la)
                tests.append(
                    (
                        f'EXISTS (SELECT 1 FROM "{table}" WHERE "{first}" = %s AND "{last}" = %s)',  # noqa: S608
                        [f, la],
                    )
                )
        for sql, p in tests:
            branches.append(f"SELECT {index} AS i WHERE {sql}")
            params += p
    if not branches:
        return set()
    sql = " UNION ALL ".join(branches)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {plans[i][0].model for (i,) in cursor.fetchall()}


def _registry_scan(ids: Identifiers, policy: Policy) -> ScanResult:
    """Every table the registry knows: rows linked to her, or holding her identifiers exactly.
    One statement finds the tables with a hit; only those are read row by row."""
    result = ScanResult([], [])
    allowed = allowed_residue()
    values = ids.exact_values()
    hits = _tables_with_hits(ids)
    for declaration in registry():
        model = declaration.model_class
        result.tables += 1
        if declaration.model not in hits:
            continue
        identifiers = tuple(declaration.identifiers)
        emails = set(email_fields(model, identifiers))
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
        kept_fields = held_fields(policy, declaration)
        for row in decrypted(model, list(queryset.values(*columns)), identifiers):
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
            if matched and set(matched) <= kept_fields and not linked:
                finding.held = True
                rule = next(
                    r for h, r in held_holdings(policy, declaration) if set(matched) & set(h.fields)
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
    allowed = allowed_residue()
    seen = {(f.model, f.pk) for f in result.residue + result.held}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or not meta.managed:
            continue
        declaration = declared.get(meta.label)
        skip = held_fields(policy, declaration) if declaration else set()
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


def _store_scan(ids: Identifiers, result: ScanResult) -> None:
    """The stores (sessions, the task queue): rows whose decoded content names her."""
    texts = ids.search_texts()
    for store in stores():
        result.tables += 1
        for pk in store.rows_naming(texts).values_list("pk", flat=True):
            result.residue.append(Finding(store.model, pk, store.personal_fields, reason="store"))


def find_residue(ids: Identifiers, *, deep: bool = False) -> ScanResult:
    """Search for the person's identifiers; residue is everything found outside legal holds."""
    policy = get_policy()
    started = time.perf_counter()
    result = _registry_scan(ids, policy)
    _store_scan(ids, result)
    if deep:
        _deep_scan(ids, policy, result)
    result.pending = [
        Finding(
            "mail.OutboxMessage", pk, ("recipient",), reason="erasure receipt waiting to be sent"
        )
        for pk in outbox_waiting_to(ids.emails, RECEIPT_TEMPLATE)
    ]
    result.seconds = time.perf_counter() - started
    return result
