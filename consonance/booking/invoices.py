"""A booking paid by invoice (Bankgiro): the invoice, and until when it holds the slot.

Used by a client's booking (services.booking_hold) and by one the coach makes with an invoice
(changes.booking_create_by_coach), both under the bookings lock.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from consonance.booking import selectors
from consonance.lib.bankdays import add_bank_days
from consonance.lib.time import STOCKHOLM
from consonance.payments.bankgiro.services import bankgiro_invoice_create
from consonance.payments.models import Order

BANKGIRO_HOLD_DAYS_WITHOUT_SLOT = 10
# A payment made on the due date reaches us up to this many bank days later: the hold waits.
BANKGIRO_BANK_DAYS = 2


def _end_of_day(day) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=STOCKHOLM)


def invoice_hold(order: Order, starts_at: datetime | None, now: datetime, actor: str) -> datetime:
    """Issue the order's Bankgiro invoice, due in time for a session at `starts_at` (or in
    BANKGIRO_HOLD_DAYS_WITHOUT_SLOT days without one); returns until when the hold lasts: the
    due date plus the bank's days, never past the session's start."""
    latest_due = (
        (starts_at - selectors.BANKGIRO_DUE_BEFORE).astimezone(STOCKHOLM).date()
        if starts_at
        else None
    )
    order = bankgiro_invoice_create(order_id=order.pk, actor=actor, due_by=latest_due)
    due = order.due_date
    if latest_due is not None and (due is None or due > latest_due):
        due = latest_due
    if due is None:
        due = (now + timedelta(days=BANKGIRO_HOLD_DAYS_WITHOUT_SLOT)).astimezone(STOCKHOLM).date()
    if due != order.due_date:
        Order.objects.filter(pk=order.pk).update(due_date=due)
    hold_until = _end_of_day(add_bank_days(due, BANKGIRO_BANK_DAYS))
    return min(hold_until, starts_at) if starts_at is not None else hold_until
