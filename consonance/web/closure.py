"""The practice closes (P11, P12): `consonance practice close` and the staff page share this.

`closure_plan` says what closing on a date does, with counts and dates (the dry run);
`closure_carry` records it, queues the notices and cancels the sessions after the date (with
refunds under the service's rules); `closure_due` runs on the date (a periodic task): it erases
every member and subscriber (rights' erasure: the bookkeeping stays minimised, the erasure ledger
remembers them) and writes the bookkeeping archive.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from consonance.booking.models import Booking
from consonance.booking.services import BookingError, booking_cancel
from consonance.bookkeeping.fiscal import fiscal_year_ending_in
from consonance.bookkeeping.models import Document, Voucher
from consonance.bookkeeping.sie_writer import sie_export
from consonance.lib.time import local_date
from consonance.mail.outbox import mail_queue
from consonance.newsletter.models import Subscription
from consonance.payments.selectors import order_refundable
from consonance.people.models import MemberProfile, Person
from consonance.privacy.closure import (
    ClosureInvalid,
    closure_carried_out,
    closure_in_force,
    closure_record,
)
from consonance.privacy.policy import get_policy
from consonance.rights.erasure import person_erase

ERASED_ON_THE_DATE = ("member_account", "newsletter")
ARCHIVE_YEARS = 7  # Bokföringslagen 7 kap. 2 §: seven years after the calendar year ends


def _start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _people_told() -> tuple[list[int], list[int]]:
    """The members (not leaving already) and the subscribers (not unsubscribed)."""
    members = MemberProfile.objects.filter(deletion_requested_at__isnull=True)
    subscribers = Subscription.objects.filter(unsubscribed_at__isnull=True)
    return (
        list(members.values_list("person_id", flat=True)),
        list(subscribers.values_list("person_id", flat=True)),
    )


def _bookings_after(day: dt.date):
    return Booking.objects.filter(
        state__in=Booking.ACTIVE, starts_at__gte=_start(day)
    ).select_related("order", "service")


def _fiscal_year_ends() -> list[dt.date]:
    found = [
        *Voucher.objects.values_list("fiscal_year_end", flat=True).order_by().distinct(),
        *Document.objects.values_list("fiscal_year_end", flat=True).order_by().distinct(),
    ]
    return sorted({end for end in found if end is not None})


ARCHIVE_PROBLEM = (
    "CONSONANCE_ORGANISATION_NUMBER is not set: the bookkeeping archive (SIE) cannot be written"
)


def _archive_blocked() -> bool:
    return not settings.SELLER_ORGANISATION_NUMBER


def archive_folder() -> Path:
    return Path(settings.VAR_DIR) / "archive"


def closure_plan(closes_on: dt.date, now: dt.datetime | None = None) -> dict:
    """Every action closing on `closes_on` takes, with counts and dates (nothing changes)."""
    now = now or timezone.now()
    members, subscribers = _people_told()
    bookings = list(_bookings_after(closes_on))
    # The practice cancels, so all that was paid goes back (booking_cancel with full_refund).
    refunds = [order_refundable(b.order) if b.order else Decimal("0.00") for b in bookings]
    ends = _fiscal_year_ends()
    policy = get_policy()
    return {
        "closes_on": closes_on.isoformat(),
        "notices": {
            "members": len(members),
            "subscribers": len(set(subscribers) - set(members)),
            "told_on": local_date(now).isoformat(),
        },
        "bookings": {
            "cancelled": len(bookings),
            "refunds": sum(1 for r in refunds if r > 0),
            "refund_total": str(sum(refunds, Decimal("0.00"))),
            "first": (bookings and min(b.starts_at for b in bookings).date().isoformat()) or None,
        },
        "signups_closed": {
            "booking": True,
            "newsletter": True,
            "from": local_date(now).isoformat(),
        },
        "deletions": {
            "on": closes_on.isoformat(),
            "people": len(set(members) | set(subscribers)),
            "categories": list(ERASED_ON_THE_DATE),
            "own_clock": [
                {
                    "rule": r.id,
                    "category": r.category,
                    "after": r.after,
                    "duration": str(r.duration),
                }
                for r in policy.retention
                if r.category not in ERASED_ON_THE_DATE
            ],
        },
        "archive": {
            # The SIE files need the seller's organisation number: without it the archive, and
            # so the erasure on the date, could not be done. A closure is refused until it is set.
            "problem": ARCHIVE_PROBLEM if _archive_blocked() else None,
            "folder": str(archive_folder()),
            "written_on": closes_on.isoformat(),
            "years": [
                {
                    "fiscal_year_end": end.isoformat(),
                    "sie": f"sie-{end.year}.se",
                    "vouchers": Voucher.objects.filter(fiscal_year_end=end).count(),
                    "documents": Document.objects.filter(fiscal_year_end=end).count(),
                    "kept_until": dt.date(end.year + ARCHIVE_YEARS, 12, 31).isoformat(),
                }
                for end in ends
            ],
        },
    }


def closure_carry(*, closes_on: dt.date, actor: str) -> dict:
    """Record the closure, tell members and subscribers, cancel the sessions after the date.

    The newsletter is not stopped as such (`newsletter_stop`): the closure record closes its
    sign-up, its subscribers get this notice instead of the newsletter's own last mail (which
    would promise a later deletion date), and they are erased on the date."""
    plan = closure_plan(closes_on)
    with transaction.atomic():
        closure_record(closes_on=closes_on, actor=actor)  # checks the date first
        if _archive_blocked():
            raise ClosureInvalid(ARCHIVE_PROBLEM)
        members, subscribers = _people_told()
        for person in Person.objects.filter(pk__in=set(members) | set(subscribers)):
            _notify(person, closes_on)
    for booking in _bookings_after(closes_on):
        try:
            booking_cancel(booking_id=booking.pk, actor=actor, full_refund=True)
        except BookingError:  # cancelled or started meanwhile: nothing left to do
            continue
    return plan


def _notify(person: Person, closes_on: dt.date) -> None:
    mail_queue(
        to=person.email,
        template="practice_closing",
        context={"first_name": person.first_name, "closes_on": closes_on},
        language=person.language,
        person_id=person.pk,
    )


def closure_due(now: dt.datetime | None = None) -> int:
    """On the date: erase every member and subscriber, write the archive. Returns how many
    people were erased (0 before the date or once done)."""
    now = now or timezone.now()
    closure = closure_in_force()
    if closure is None or closure.carried_out_at or local_date(now) < closure.closes_on:
        return 0
    archive_write()
    people = Person.objects.filter(
        Q(member__isnull=False) | Q(subscription__isnull=False)
    ).distinct()
    erased = 0
    for person in people:
        person_erase(person=person, actor="system", via="business_closed")
        erased += 1
    closure_carried_out(closure)
    return erased


def archive_write() -> Path:
    """The bookkeeping kept seven years: one SIE 4E file per fiscal year and a list of the
    documents (receipts, invoices), in CONSONANCE_VAR_DIR/archive."""
    folder = archive_folder()
    folder.mkdir(parents=True, exist_ok=True)
    for end in _fiscal_year_ends():
        (folder / f"sie-{end.year}.se").write_bytes(sie_export(fiscal_year_ending_in(end.year)))
        documents = Document.objects.filter(fiscal_year_end=end).order_by("series", "number")
        rows = [
            {
                "series": d.series,
                "number": d.number,
                "kind": d.kind,
                "issued_on": d.issued_on.isoformat(),
                "buyer_name": d.buyer_name,
                "description": d.description,
                "amount": str(d.amount),
                "vat_amount": str(d.vat_amount),
                "currency": d.currency,
            }
            for d in documents
        ]
        text = json.dumps(rows, ensure_ascii=False, indent=1)
        (folder / f"documents-{end.year}.json").write_text(text, encoding="utf-8")
    return folder
