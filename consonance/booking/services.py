"""Writes for booking: hold a slot, confirm it when paid, release, expire and cancel.

No double booking: `booking_hold` takes the bookings lock (locks.py), re-checks the slot with `availability.slot_is_free` against the bookings in the
database, and inserts under a partial unique constraint (one active booking per start). Money
that arrives for a slot someone else has meanwhile taken is refunded, never double booked.

Services only views and tasks call (`booking_hold`, `booking_expire_holds`) open a durable
transaction: the outermost one, which Django refuses to nest, so what they wrote is committed
when they return. Those hook handlers or other services call (cancel, release) join the caller's.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.db.models.functions import Coalesce
from django.utils import timezone

from consonance.audit.services import SYSTEM, actor_person, audit_append
from consonance.booking import clients, emails, hooks, selectors, tasks
from consonance.booking.clients import Client
from consonance.booking.errors import BookingError, SlotTaken
from consonance.booking.invoices import invoice_hold
from consonance.booking.locks import lock_bookings
from consonance.booking.models import Booking, PracticeSettings, Service
from consonance.payments import ledger
from consonance.payments.hooks import PaymentFailed, PaymentsRecorded
from consonance.payments.models import Order
from consonance.payments.refunds import refund_request
from consonance.payments.selectors import order_refundable
from consonance.people.models import Person
from consonance.people.services import person_contacted

# -- holding a slot ----------------------------------------------------------------------------


def booking_hold(
    *,
    service: Service,
    starts_at: datetime | None,
    client: Client,
    method: str,
    now: datetime | None = None,
) -> Booking:
    """Hold a slot (or an e-mail package) for a client while she pays; creates the order.

    Raises SlotTaken when the slot is no longer free, BookingError for other refusals.
    """
    now = now or timezone.now()
    if service.has_slot and starts_at is None:
        raise BookingError("a video consultation needs a start time")
    if method == Order.Method.BANKGIRO and not selectors.bankgiro_possible(service, starts_at, now):
        raise BookingError("bankgiro needs more time before the session")
    try:
        with transaction.atomic(durable=True):
            settings = lock_bookings()
            ends_at = _claim_slot(service, starts_at, now, settings)
            if ends_at is None:
                starts_at = None
            person, restricted = clients.booking_person(client)
            actor = actor_person(person.pk)
            order = clients.order_for(service, client, person, method, actor)
            hold_until = now + timedelta(minutes=settings.hold_minutes)
            if method == Order.Method.BANKGIRO:
                hold_until = invoice_hold(order, starts_at, now, actor)
            with transaction.atomic():
                booking = Booking.objects.create(
                    service=service,
                    person=person,
                    order=order,
                    starts_at=starts_at,
                    ends_at=ends_at,
                    state=Booking.State.HELD,
                    hold_expires_at=hold_until,
                    language=client.language,
                    created_at=now,
                )
            audit_append(
                actor=actor,
                action="booking.held",
                subject_id=person.pk,
                category="contact_details",
                detail={"booking": booking.pk, "order": order.pk, "service": service.pk},
            )
            if method == Order.Method.BANKGIRO:
                emails.invoice(booking)
                emails.coach_notify(booking, "invoiced")
            if restricted:
                emails.restricted_booking(booking)
    except IntegrityError as error:
        # The unique constraint caught a concurrent insert the lock did not (e.g. two first
        # bookings racing to create the settings row): the slot is taken all the same.
        raise SlotTaken("slot taken") from error
    return booking


def _claim_slot(
    service: Service, starts_at: datetime | None, now: datetime, settings: PracticeSettings
) -> datetime | None:
    """Under the bookings lock: the slot's end if it is still free (None for an e-mail package);
    raises SlotTaken otherwise."""
    if not service.has_slot:
        return None
    assert starts_at is not None  # refused by booking_hold
    _expire_due_holds(now=now)
    if not selectors.slot_bookable(service, starts_at, now=now, settings=settings):
        raise SlotTaken("slot taken")
    return starts_at + timedelta(minutes=service.duration_minutes)


# -- confirming on payment ---------------------------------------------------------------------


def consultation_clock_refresh(person_id: int | None) -> None:
    """Move the person's "latest consultation" (the journal's clock, P15) to her latest
    confirmed consultation: its end for a video session; for an e-mail one its completion, or
    its confirmation while it runs."""
    if person_id is None:
        return
    latest = Booking.objects.filter(
        person_id=person_id, state__in=(Booking.State.CONFIRMED, Booking.State.COMPLETED)
    ).aggregate(latest=Max(Coalesce("ends_at", "completed_at", "confirmed_at")))["latest"]
    Person.objects.filter(pk=person_id).update(last_consultation_at=latest)


def bookings_confirm_paid(recorded: PaymentsRecorded) -> None:
    """Handler of payments.hooks.payments_recorded (a bank file): confirm the bookings of the
    orders the batch paid in full, their bookings looked up and locked in one query per
    thousand orders instead of one per order."""
    ids = [order.pk for order in recorded.paid]
    found: dict[int, Booking] = {}
    for start in range(0, len(ids), 1000):
        for booking in (
            Booking.objects.select_for_update()
            .filter(order_id__in=ids[start : start + 1000])
            .order_by("-pk")  # the first booking of an order wins, as in booking_confirm_paid
        ):
            found[booking.order_id] = booking  # type: ignore[index]
    for order in recorded.paid:
        _confirm_paid(order, found.get(order.pk))


def booking_confirm_paid(order: Order) -> None:
    """Handler of payments.hooks.order_paid: the order is fully paid. Confirm its booking, or refund if it cannot be."""
    _confirm_paid(order, Booking.objects.select_for_update().filter(order_id=order.pk).first())


def _confirm_paid(order: Order, booking: Booking | None) -> None:
    if booking is None:
        return
    now = timezone.now()
    if order.amount_refunded >= order.amount_paid:
        # A refund was recorded before the payment (events out of order): nothing to confirm.
        Order.objects.filter(pk=order.pk).update(status=Order.Status.REFUNDED)
        if booking.is_active:
            _set_state(booking, Booking.State.CANCELLED, now, action="booking.cancelled")
        return
    if booking.state in (Booking.State.CONFIRMED, Booking.State.NO_SHOW, Booking.State.COMPLETED):
        return
    if booking.state == Booking.State.CANCELLED:
        _refund_unusable(booking, order, reason="booking_cancelled")
        return
    settings = lock_bookings()
    free = True
    if booking.service.has_slot:
        free = _no_other_overlap(booking, now, settings)
    if free:
        try:
            with transaction.atomic():
                booking.state = Booking.State.CONFIRMED
                booking.confirmed_at = now
                booking.hold_expires_at = None
                booking.save(update_fields=["state", "confirmed_at", "hold_expires_at"])
        except IntegrityError:
            booking.refresh_from_db()
            free = False
    if not free:
        if booking.state != Booking.State.EXPIRED:
            _set_state(booking, Booking.State.EXPIRED, now, action="booking.expired")
        _refund_unusable(booking, order, reason="slot_taken")
        return
    consultation_clock_refresh(booking.person_id)
    if booking.person_id is not None:
        person_contacted(booking.person_id)  # paid: proof the booking was hers
    emails.coach_notify(booking, "paid")
    audit_append(
        actor=SYSTEM,
        action="booking.confirmed",
        subject_id=booking.person_id,
        category="contact_details",
        detail={"booking": booking.pk, "order": order.pk},
    )
    hooks.booking_confirmed.emit(booking)
    booking_id = booking.pk

    transaction.on_commit(lambda: tasks.booking_confirmed_task.enqueue(booking_id))


def _no_other_overlap(booking: Booking, now: datetime, settings: PracticeSettings) -> bool:
    # The slot was offered when it was held; now only other bookings (and buffers) can take
    # it away. Changed opening hours or a passed notice do not void a paid session.
    assert booking.starts_at is not None and booking.ends_at is not None  # a video booking
    margin = timedelta(minutes=settings.buffer_minutes)
    return not selectors.busy_intervals(
        start=booking.starts_at - margin,
        end=booking.ends_at + margin,
        now=now,
        exclude_pk=booking.pk,
    )


def _refund_unusable(booking: Booking, order: Order, *, reason: str) -> None:
    amount = order_refundable(order)
    if amount > 0:
        refund_request(order=order, amount=amount, reason=reason, actor=SYSTEM)
    if reason == "slot_taken":
        emails.slot_taken(booking, amount)


def _set_state(booking: Booking, state: str, now: datetime, *, action: str) -> None:
    booking.state = state
    fields = ["state"]
    if state == Booking.State.CANCELLED:
        booking.cancelled_at = now
        booking.ics_sequence += 1  # its calendar file's CANCEL outranks every earlier one
        fields += ["cancelled_at", "ics_sequence"]
    booking.save(update_fields=fields)
    audit_append(
        actor=SYSTEM,
        action=action,
        subject_id=booking.person_id,
        category="contact_details",
        detail={"booking": booking.pk},
    )


# -- releasing holds ---------------------------------------------------------------------------


def _close_unpaid_order(order: Order | None, *, kind: str, actor: str) -> None:
    if order is None or order.amount_paid > 0 or order.status != Order.Status.PENDING:
        return
    Order.objects.filter(pk=order.pk).update(status=Order.Status.CANCELLED)
    ledger.order_record_event(order_id=order.pk, kind=kind, actor=actor)


def booking_release(*, booking_id: int, reason: str, actor: str = SYSTEM) -> bool:
    """Free a held slot whose payment failed or was abandoned. True when something changed."""
    with transaction.atomic():
        booking = (
            Booking.objects.select_for_update(of=("self",))
            .select_related("order")
            .get(pk=booking_id)
        )
        if booking.state != Booking.State.HELD:
            return False
        if booking.order is not None and booking.order.amount_paid > 0:
            return False  # partly paid (Bankgiro): the hold runs to its expiry
        # EXPIRED, not CANCELLED: money that still arrives gets the slot back if it is free.
        _set_state(booking, Booking.State.EXPIRED, timezone.now(), action="booking.released")
        _close_unpaid_order(booking.order, kind=reason, actor=actor)
    return True


def booking_release_failed_payment(failure: PaymentFailed) -> bool:
    """Handler of payments.hooks.payment_failed: free the slot held for the order, if any."""
    booking = Booking.objects.filter(order_id=failure.order.pk).only("pk").first()
    if booking is None:
        return False
    booking_release(booking_id=booking.pk, reason=failure.reason)
    return True


def _expire_due_holds(*, now: datetime, limit: int | None = None) -> int:
    due = Booking.objects.filter(state=Booking.State.HELD, hold_expires_at__lte=now)
    ids = list(
        due.values_list("pk", flat=True)[:limit] if limit else due.values_list("pk", flat=True)
    )
    for pk in ids:
        booking = Booking.objects.select_for_update(of=("self",)).select_related("order").get(pk=pk)
        if booking.state != Booking.State.HELD:
            continue
        _set_state(booking, Booking.State.EXPIRED, now, action="booking.expired")
        order = booking.order
        if order is not None and order.amount_paid > 0:
            # Part of a Bankgiro invoice was paid but not all in time: pay it back.
            left = order_refundable(order)
            if left > 0:
                refund_request(order=order, amount=left, reason="expired_partly_paid", actor=SYSTEM)
        else:
            _close_unpaid_order(order, kind="expired", actor=SYSTEM)
            emails.hold_lapsed(booking)
    return len(ids)


def booking_expire_holds(*, now: datetime | None = None) -> int:
    """Expire every hold whose time is up (periodic). Returns how many expired."""
    with transaction.atomic(durable=True):
        lock_bookings()
        return _expire_due_holds(now=now or timezone.now())


# -- cancelling --------------------------------------------------------------------------------


def booking_cancel(
    *, booking_id: int, actor: str, now: datetime | None = None, full_refund: bool = False
) -> Decimal:
    """Cancel a booking (from the client's link or by the coach); returns the refund: by the
    service's rule, or all that was paid with `full_refund`. The slot is free at once."""
    now = now or timezone.now()
    with transaction.atomic():
        lock_bookings()
        booking = (
            Booking.objects.select_for_update(of=("self",))
            .select_related("order", "service")
            .get(pk=booking_id)
        )
        if booking.state == Booking.State.COMPLETED:
            raise BookingError("already completed")
        if not booking.is_active:
            raise BookingError("already cancelled")
        if booking.starts_at is not None and booking.starts_at <= now:
            raise BookingError("already started")
        amount = selectors.refund_due(booking, now)
        if full_refund and booking.order is not None:
            amount = order_refundable(booking.order)
        _set_state(booking, Booking.State.CANCELLED, now, action="booking.cancelled")
        consultation_clock_refresh(booking.person_id)
        hooks.booking_cancelled.emit(booking)
        order = booking.order
        if order is not None:
            if order.amount_paid > 0:
                ledger.order_record_event(order_id=order.pk, kind="booking_cancelled", actor=actor)
                if amount > 0:
                    refund_request(order=order, amount=amount, reason="cancelled", actor=actor)
            else:
                _close_unpaid_order(order, kind="cancelled", actor=actor)
        emails.cancelled(booking, amount)
        emails.coach_notify(booking, "cancelled")
        booking_id = booking.pk

        transaction.on_commit(lambda: tasks.booking_cancelled_task.enqueue(booking_id))
    return amount
