"""Erasure (P13, P26) with legal holds, verified by the residue scan (residue.py).

`person_erase` deletes every registry model's rows about the person except those in a category
under a legal hold (bookkeeping, P14), which stay minimised: the voucher keeps the payer's name,
because Bokföringslagen 5 kap. 7 § requires a verifikation to show who the counterparty was, but
its link to the person (and so to everything else about her) is cut. Then her key is destroyed,
the Person is deleted, and `find_residue` must find nothing outside the holds *before* the receipt
is issued: any residue rolls the whole erasure back and raises ErasureFailed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from consonance.audit.services import audit_append
from consonance.lib.text import normalise_email
from consonance.lib.time import local
from consonance.lib.urls import absolute_url
from consonance.mail.outbox import mail_forget, mail_queue, mail_suppress, mail_unsuppress
from consonance.people.keys import person_key_destroy
from consonance.people.models import Person
from consonance.people.selectors import person_by_email
from consonance.privacy.census import census_things
from consonance.privacy.policy import Policy, RetentionRule, get_policy
from consonance.privacy.registry import (
    Holding,
    PersonalModel,
    clock_value,
    registry,
    stores,
    subject_declaration,
    things_text,
)
from consonance.rights import hooks
from consonance.rights.address import address_change_mail_forget
from consonance.rights.ledger import ledger_covers, ledger_record
from consonance.rights.models import ErasureReceipt, PreviousAddress, Request
from consonance.rights.person_row import person_row_delete, person_row_locked
from consonance.rights.residue import (
    RECEIPT_TEMPLATE,
    Finding,
    Identifiers,
    find_residue,
    held_holdings,
    identifiers_of,
)
from consonance.rights.services import deadline_due


class ErasureFailed(Exception):
    """Residue was found after the erasure; nothing was committed."""

    def __init__(self, findings: list[Finding]):
        self.findings = findings
        super().__init__(
            "erasure incomplete, rolled back: "
            + ", ".join(f"{f.model}#{f.pk}.{'/'.join(f.fields)}" for f in findings)
        )


def _date(value: dt.datetime | None) -> str | None:
    return value.date().isoformat() if value else None


def _subject_is_direct_fk(declaration: PersonalModel) -> bool:
    if not declaration.subject or "__" in declaration.subject:
        return False
    f = declaration.model_class._meta.get_field(declaration.subject)
    return bool(getattr(f, "null", False))


def _depth(declaration: PersonalModel) -> int:
    return declaration.subject.count("__") + 1 if declaration.subject else 0


@dataclass
class _Tally:
    """What the receipt will say: per category, what was erased and what is kept until when."""

    erased: dict[str, dict] = field(default_factory=dict)
    kept: dict[str, dict] = field(default_factory=dict)

    def count_erased(
        self, declaration: PersonalModel, n: int, things: list[int] | None = None
    ) -> None:
        for holding in declaration.holdings:
            entry = self.erased.setdefault(
                holding.category,
                {"category": holding.category, "count": 0, "models": {}, "things": {}},
            )
            entry["count"] += n
            entry["models"][declaration.model] = entry["models"].get(declaration.model, 0) + n
            if things and any(things):
                entry["things"][declaration.model] = things

    def count_kept(
        self, holding: Holding, rule: RetentionRule, rows: list[dict], things: dict[str, list[int]]
    ) -> None:
        entry = self.kept.setdefault(
            holding.category,
            {
                "category": holding.category,
                "count": 0,
                "rule": rule.id,
                "promise": rule.promise,
                "reason": rule.legal_hold,
                "until": None,
                "rows": [],
                "things": {},
            },
        )
        entry["count"] += len(rows)
        entry["things"].update({model: n for model, n in things.items() if any(n)})
        entry["rows"] += rows
        dates = [r["until"] for r in entry["rows"] if r["until"]]
        entry["until"] = max(dates) if dates else None


def person_erase(
    *, person: Person, actor: str, via: str = "self-service", sessions: list[str] | None = None
) -> ErasureReceipt:
    """Erase everything about `person` that the law lets go, keep the rest minimised, verify,
    and issue the receipt (mailed once to her address, which is then suppressed for good).
    `sessions`: what became of her upcoming sessions, a line each, for the receipt.

    Raises ErasureFailed (and commits nothing) when the verifier finds residue.
    """
    policy = get_policy()
    now = timezone.now()
    with transaction.atomic():
        person, keys = person_row_locked(person.pk)
        person_id, email, language = person.pk, person.email, person.language
        # Her rows and things per table, one statement, before anything is deleted.
        counts, things = census_things(person_id)
        ids = identifiers_of(person, counts, keys)
        # The addresses she left, as keyed hashes: the ledger takes them with her last one.
        previous = list(
            PreviousAddress.objects.filter(person=person).values_list("address_hash", "until")
        )
        request = _erasure_request(person, now, via)
        tally = _Tally()
        _erase_rows(policy, person_id, tally, counts, things)
        _erase_stores(ids, tally)
        _forget_mail(ids, email, person_id, actor)
        key_destroyed = person_key_destroy(person=person, actor=actor)
        tally.count_erased(subject_declaration(), 1)
        person_row_delete(person_id)

        scan = find_residue(ids)
        if scan.residue:
            raise ErasureFailed(scan.residue)
        receipt = ErasureReceipt.objects.create(
            issued_at=now,
            request=request,
            erased=[tally.erased[c] for c in policy.categories if c in tally.erased],
            kept=[tally.kept[c] for c in policy.categories if c in tally.kept],
            key_destroyed=key_destroyed,
            verified=True,
            sessions=list(sessions or []),
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
        # A restore re-applies it (restore.py); written before the receipt that says so. Her
        # address is unreadable when her key was destroyed before: then nothing names her.
        if email:
            ledger_record(email=email, previous=previous, erased_at=now)
            _send_receipt(receipt, email, language)
        hooks.erasure_recorded.emit(receipt)  # operations: the ledger's copy off the machine
    return receipt


def _forget_mail(ids: Identifiers, email: str, person_id: int, actor: str) -> None:
    """Mail queued before she was known (the newsletter's confirmation link, a new member's
    code) is hers without a link to her; until the purge removes it, it would be residue. An
    address she had before (still on her orders) counts too, unless it is someone else's now:
    mail to it linked to nobody is hers (issue 17: such a mail stalled an erasure)."""
    mail_forget(email=email, actor=actor)
    for address in sorted(ids.emails - {normalise_email(email)}):
        if person_by_email(address) is None:
            mail_forget(email=address, actor=actor, unlinked_only=True)
    address_change_mail_forget(person_id=person_id, actor=actor)


def _erasure_request(person: Person, now: dt.datetime, via: str) -> Request:
    """Her open requests are superseded; the erasure is recorded as a request done at once."""
    Request.objects.filter(person=person, state=Request.State.OPEN).update(
        state=Request.State.DONE, handled_at=now, note="ersatt av radering"
    )
    return Request.objects.create(
        kind=Request.Kind.ERASURE,
        person=None,
        received_at=now,
        deadline="rights-request",
        due_at=deadline_due("rights-request", now),
        state=Request.State.DONE,
        handled_at=now,
        note=via,
    )


def _erase_rows(
    policy: Policy,
    person_id: int,
    tally: _Tally,
    counts: dict[str, int],
    things: dict[str, list[int]],
) -> None:
    """Delete her rows of every model, keep (minimised, unlinked) those under a legal hold.
    `counts`, `things`: her rows and things per model, counted before anything was deleted
    (`census_things`); only the tables holding her rows are touched."""
    # Deepest subject paths first (an order's payments before the order), Person last.
    for declaration in sorted(registry(), key=_depth, reverse=True):
        if not declaration.subject or declaration.model not in counts:
            continue
        queryset = declaration.rows_for(person_id)
        held = held_holdings(policy, declaration)
        if held:
            mine = {declaration.model: things.get(declaration.model, [])}
            _keep_minimised(declaration, queryset, held, tally, mine)
        elif not declaration.holdings:
            # No personal values, only the link: cut it where the row may stay.
            if _subject_is_direct_fk(declaration):
                queryset.update(**{declaration.subject: None})
            else:
                queryset.delete()
        elif counts.get(declaration.model, 0):
            queryset.delete()
            tally.count_erased(
                declaration, counts[declaration.model], things.get(declaration.model)
            )


def _erase_stores(ids: Identifiers, tally: _Tally) -> None:
    """Sessions and task rows that name her (a sign-in by code she left, a task's arguments)."""
    for store in stores():
        # Deleted without counting first: the delete says how many rows it took.
        _total, per_model = store.rows_naming(ids.search_texts()).delete()
        count = per_model.get(store.model_class._meta.label, 0)
        if count:
            tally.count_erased(store, count, [count] * len(store.things))


def _keep_minimised(
    declaration: PersonalModel,
    queryset: models.QuerySet,
    held: list[tuple[Holding, RetentionRule]],
    tally: _Tally,
    things: dict[str, list[int]],
) -> None:
    if not _subject_is_direct_fk(declaration):
        raise ErasureFailed(
            [Finding(declaration.model, None, ("subject",), reason="cannot unlink")]
        )
    for holding, rule in held:
        clock = holding.clocks.get(rule.after, "")
        rows = []
        for row in queryset.order_by("pk"):
            start = clock_value(row, clock) if clock else None
            until = _date(rule.expires(start)) if start else None
            rows.append({"model": declaration.model, "id": row.pk, "until": until})
        if rows:
            tally.count_kept(holding, rule, rows, things)
    # Minimised: the rows keep what the law needs, never again linked to her.
    queryset.update(**{declaration.subject: None})


def _send_receipt(receipt: ErasureReceipt, email: str, language: str) -> None:
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


def receipt_context(receipt: ErasureReceipt, language: str) -> dict:
    """The receipt with the policy's names for its categories, for pages and mail."""
    policy = get_policy()

    def name(category: str) -> str:
        known = policy.categories.get(category)
        return known.name.get(language) if known else category

    # When the last data and key backups taken before the erasure are deleted (operations).
    until = hooks.backups_until.first(receipt.issued_at)
    backups_until, keys_until = (until.backups, until.keys) if until else (None, None)
    with translation.override(language):
        path = reverse("rights:receipt", args=[receipt.token])
        erased = [
            {**e, "name": name(e["category"]), "things": things_text(e.get("things", {}))}
            for e in receipt.erased
        ]
        kept = [
            {
                **k,
                "name": name(k["category"]),
                "things": things_text(k.get("things", {})),
                "until": _day_text(k["until"]),
            }
            for k in receipt.kept
        ]
        # One wording for the page and the e-mail, so that they cannot disagree.
        key_text, backup_text = key_and_backup_texts(
            receipt.key_destroyed,
            backups_until,
            receipt.issued_at,
            ledger_covers(receipt.issued_at),
        )
        if receipt.key_destroyed:
            key_text += " " + key_copies_text(keys_until)
        if hold_ends := held_identifiers_end(receipt.kept):
            key_text += " " + _(
                "Ditt namn i bokföringen (verifikationer och kvitton, som lagen kräver att jag "
                "sparar) är krypterat med bokföringens egen nyckel, som förstörs %(date)s; "
                "därefter kan det inte läsas någonstans."
            ) % {"date": formats.date_format(hold_ends, "j F Y")}
    return {
        "receipt": receipt,
        "backups_until": backups_until,
        "keys_until": keys_until,
        "backup_retention": policy.backup_retention.render(language),
        "key_text": key_text,
        "backup_text": backup_text,
        "erased": erased,
        "kept": kept,
        "url": absolute_url(path),
    }


def held_identifiers_end(kept: list[dict]) -> dt.date | None:
    """The day the last legal-hold key under which her kept rows name her is destroyed (her name
    on vouchers and receipts: lib/identifiers.py, people.keys.hold_key), or None."""
    ends = []
    for entry in kept:
        for row in entry.get("rows", []):
            model = apps.get_model(row["model"])
            if hasattr(model, "identifier_hold"):
                found = model._default_manager.filter(pk=row["id"]).first()
                ends += [found.identifier_hold()[1]] if found else []
    return max(ends, default=None)


def _day_text(day: str | None) -> str:
    """A stored ISO date ("2034-01-01") as people read it ("1 januari 2034")."""
    return formats.date_format(dt.date.fromisoformat(day), "j F Y") if day else ""


def key_copies_text(keys_until: dt.datetime | None) -> str:
    """Where her destroyed key may still be: only in the key backups (never in the data
    backups), until the last one taken before the erasure is deleted."""
    if keys_until is None:
        return _("Nyckeln finns inte heller kvar i någon säkerhetskopia.")
    return _(
        "Nyckeln finns inte i säkerhetskopiorna av uppgifterna, bara i separata "
        "nyckelsäkerhetskopior som sparas i högst %(days)s dagar. Den sista som innehåller din "
        "nyckel raderas senast %(date)s; därefter kan det krypterade inte läsas i någon kopia."
    ) % {
        "days": settings.KEY_BACKUP_DAYS,
        "date": formats.date_format(local(keys_until), "j F Y"),
    }


def key_and_backup_texts(
    key_destroyed: bool, backups_until: dt.datetime | None, erased_at: dt.datetime, ledger: bool
) -> tuple[str, str]:
    """What became of her encryption key, and what older backups still hold, in the active
    language. A backup is a copy of every table but the person keys (they are in the key
    backups, key_copies_text): until the last one taken before the erasure is deleted, what is
    in clear in it could be read back; a restore erases her again when the ledger beside the
    backups holds her erasure (`ledger`), which the restore requires."""
    if key_destroyed:
        key = _(
            "Din krypteringsnyckel är förstörd. Det som var krypterat med den (ditt namn, din "
            "e-postadress och ditt telefonnummer, anteckningar och meddelanden) kan inte längre "
            "läsas här."
        )
    else:
        key = _("Det fanns ingen krypteringsnyckel för dig här, så det fanns ingen att förstöra.")
    if backups_until is None:
        return key, _("Ingen av webbplatsens säkerhetskopior innehåller dina uppgifter.")
    backup = _(
        "Säkerhetskopior tagna före %(erased)s innehåller fortfarande dina uppgifter, skyddade "
        "med säkerhetskopiornas egen nyckel, tills de raderas senast %(date)s."
    ) % {
        "erased": formats.date_format(local(erased_at), "j F Y"),
        "date": formats.date_format(local(backups_until), "j F Y"),
    }
    if ledger:
        backup += " " + _(
            "Om en sådan återställs raderas du igen automatiskt, innan webbplatsen öppnar."
        )
    return key, backup
