"""Writes to the consent ledger (P9, P21): each atomic and audited (ids and purposes only)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from consonance.audit.services import audit_append
from consonance.consent.models import ConsentRecord, ConsentText
from consonance.consent.texts import ShownText
from consonance.people.models import Person


def consent_text_store(shown: ShownText) -> ConsentText:
    """The stored copy of a text shown (one row per exact wording)."""
    text, _ = ConsentText.objects.get_or_create(
        text_hash=shown.text_hash,
        defaults={
            "purpose": shown.purpose,
            "language": shown.language,
            "text": shown.text,
            "version": shown.version,
        },
    )
    return text


def _subject_filter(person: Person | None, visitor: str) -> dict:
    if person is None and not visitor:
        raise ValueError("a consent belongs to a person or a visitor")
    return {"person": person} if person is not None else {"visitor": visitor, "person": None}


def consent_give(
    *,
    purpose: str,
    shown: ShownText,
    method: str,
    actor: str,
    person: Person | None = None,
    visitor: str = "",
) -> ConsentRecord:
    """Record a consent to `purpose`, given on seeing `shown`; an earlier one ends (renewed)."""
    now = timezone.now()
    with transaction.atomic():
        text = consent_text_store(shown)
        subject = _subject_filter(person, visitor)
        ConsentRecord.objects.filter(
            **subject, purpose=purpose, action=ConsentRecord.Action.GIVEN, ended_at__isnull=True
        ).update(ended_at=now)
        record = ConsentRecord.objects.create(
            **subject,
            purpose=purpose,
            action=ConsentRecord.Action.GIVEN,
            text=text,
            version=shown.version,
            method=method,
            at=now,
        )
        audit_append(
            actor=actor,
            action="consent.given",
            subject_id=person.pk if person else None,
            category="consents",
            detail={"record": record.pk, "purpose": purpose, "method": method},
        )
    return record


def consent_withdraw(
    *,
    purpose: str,
    method: str,
    actor: str,
    person: Person | None = None,
    visitor: str = "",
    shown: ShownText | None = None,
) -> ConsentRecord:
    """Record a withdrawal (or a refusal, for a visitor asked for the first time)."""
    now = timezone.now()
    with transaction.atomic():
        subject = _subject_filter(person, visitor)
        ConsentRecord.objects.filter(
            **subject, purpose=purpose, action=ConsentRecord.Action.GIVEN, ended_at__isnull=True
        ).update(ended_at=now)
        record = ConsentRecord.objects.create(
            **subject,
            purpose=purpose,
            action=ConsentRecord.Action.WITHDRAWN,
            text=consent_text_store(shown) if shown else None,
            version=shown.version if shown else 0,
            method=method,
            at=now,
            ended_at=now,
        )
        audit_append(
            actor=actor,
            action="consent.withdrawn",
            subject_id=person.pk if person else None,
            category="consents",
            detail={"record": record.pk, "purpose": purpose, "method": method},
        )
    return record
