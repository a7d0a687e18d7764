"""Reads of the rights app. Other apps call `person_is_restricted` before any processing other
than storage and legal claims (P27), and `person_has_objected` before direct marketing (P28)."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from consonance.people.models import Person
from consonance.rights import hooks
from consonance.rights.hooks import HeldConsent
from consonance.rights.models import ErasureReceipt, Objection, Request, Restriction


def person_is_restricted(person_id: int | None) -> bool:
    """True while the person has restricted processing (P27): store her data, use it for nothing
    else (no newsletter, no mail except about her request or a booking she makes herself, which
    is her consent to that use, Art. 18(2)), until she lifts it."""
    if person_id is None:
        return False
    return Restriction.objects.filter(person_id=person_id, lifted_at__isnull=True).exists()


def person_active_restriction(person_id: int) -> Restriction | None:
    return Restriction.objects.filter(person_id=person_id, lifted_at__isnull=True).first()


def person_has_objected(person_id: int | None, kind: str = Objection.Kind.DIRECT_MARKETING) -> bool:
    """True when the person objected (P28) and has not consented again since."""
    if person_id is None:
        return False
    return Objection.objects.filter(
        person_id=person_id, kind=kind, superseded_at__isnull=True
    ).exists()


def requests_open() -> QuerySet[Request]:
    return Request.objects.filter(state=Request.State.OPEN).select_related("person")


def requests_due_soon(*, now: dt.datetime | None = None, within: dt.timedelta) -> QuerySet[Request]:
    """Open requests due within `within` of `now`, or already overdue."""
    now = now or timezone.now()
    return requests_open().filter(due_at__lte=now + within).order_by("due_at", "pk")


def person_requests(person_id: int) -> QuerySet[Request]:
    return Request.objects.filter(person_id=person_id).order_by("-received_at", "-pk")


def receipts_recent(limit: int = 20) -> QuerySet[ErasureReceipt]:
    return ErasureReceipt.objects.all()[:limit]


def person_consents(person: Person) -> dict[str, HeldConsent]:
    """The consents she holds now, by consent id, as the apps holding them answer."""
    return {held.consent: held for answer in hooks.consents_held.collect(person) for held in answer}


def restrictions_in_force() -> QuerySet[Restriction]:
    """Restrictions not lifted; filter by `person` (or OuterRef) to exclude restricted people."""
    return Restriction.objects.filter(lifted_at__isnull=True)


def direct_marketing_objections() -> QuerySet[Objection]:
    """Objections to direct marketing in force (not superseded by a later consent)."""
    return Objection.objects.filter(
        kind=Objection.Kind.DIRECT_MARKETING, superseded_at__isnull=True
    )


def journal_notes_released(person_id: int) -> bool:
    """Has the coach handled her request to see her journal notes (P15)? Then the privacy center
    shows them."""
    return Request.objects.filter(
        person_id=person_id, kind=Request.Kind.JOURNAL_ACCESS, state=Request.State.DONE
    ).exists()


def journal_notes_for(person: Person, *, actor: str, purpose: str) -> list[hooks.ShownNote]:
    """Her journal notes, as the journal answers (and logs) the question."""
    ask = hooks.NotesAsk(person=person, actor=actor, purpose=purpose)
    notes = [note for answer in hooks.journal_notes_shown.collect(ask) for note in answer]
    return sorted(notes, key=lambda n: n.at)
