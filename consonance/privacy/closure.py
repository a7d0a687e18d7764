"""The practice's closure record (P11, P12: "until the business closes"): read and written here.

Booking and the newsletter read `closure_in_force` to close their doors; the web app's
`consonance practice close` (web/closure.py) records it and carries out what follows from it.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from consonance.audit.services import audit_append
from consonance.privacy.models import PracticeClosure


class ClosureInvalid(ValueError):
    """The closure cannot be recorded or undone (a past date, nothing to reopen, already done)."""


def closure_in_force() -> PracticeClosure | None:
    """The closure decided and not undone, or None while the practice is open."""
    return PracticeClosure.objects.filter(reopened_at__isnull=True).first()


def closure_record(*, closes_on: dt.date, actor: str) -> PracticeClosure:
    """Record that the practice closes on `closes_on` (today or later); replaces an undone one."""
    if closes_on < timezone.localdate():
        raise ClosureInvalid(f"--on {closes_on.isoformat()}: the date has passed")
    with transaction.atomic():
        if PracticeClosure.objects.filter(reopened_at__isnull=True).exists():
            raise ClosureInvalid("the practice is already closing; reopen it first")
        PracticeClosure.objects.all().delete()  # the singleton: an undone decision gives way
        closure = PracticeClosure.objects.create(closes_on=closes_on, decided_by=actor)
        audit_append(
            actor=actor, action="practice.closing", detail={"closes_on": closes_on.isoformat()}
        )
    return closure


def closure_reopen(*, actor: str) -> PracticeClosure:
    """Undo the closure before its date: booking and sign-up open again."""
    with transaction.atomic():
        closure = (
            PracticeClosure.objects.select_for_update().filter(reopened_at__isnull=True).first()
        )
        if closure is None:
            raise ClosureInvalid("the practice is not closing")
        if closure.carried_out_at is not None:
            raise ClosureInvalid("the practice has closed; its data is gone")
        closure.reopened_at = timezone.now()
        closure.save(update_fields=["reopened_at"])
        audit_append(actor=actor, action="practice.reopened", detail={})
    return closure


def closure_carried_out(closure: PracticeClosure) -> None:
    """Mark the closure as carried out (accounts and newsletter data gone)."""
    closure.carried_out_at = timezone.now()
    closure.save(update_fields=["carried_out_at"])
