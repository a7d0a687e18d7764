"""Reads of the consent ledger."""

from __future__ import annotations

from django.db.models import QuerySet

from consonance.consent.models import ConsentRecord
from consonance.people.models import Person


def consent_current(person: Person, purpose: str) -> ConsentRecord | None:
    """Her consent to `purpose` in force now (given and not ended), or None."""
    return (
        ConsentRecord.objects.filter(
            person=person,
            purpose=purpose,
            action=ConsentRecord.Action.GIVEN,
            ended_at__isnull=True,
        )
        .select_related("text")
        .order_by("-at", "-pk")
        .first()
    )


def consents_outdated(purpose: str, version: int) -> QuerySet[ConsentRecord]:
    """Consents in force that were given to an older material version of the text."""
    return ConsentRecord.objects.filter(
        purpose=purpose,
        action=ConsentRecord.Action.GIVEN,
        ended_at__isnull=True,
        version__lt=version,
        person__isnull=False,
    )
