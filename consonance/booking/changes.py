"""Changes to a booking after it is made: move it, mark a no-show, set its video link, remind
the client, and a booking the coach makes herself (one agreed by phone).

Every change takes the bookings lock (locks.py) like a new booking does, so a move
never lands on a taken slot; each writes an audit row (ids only) and tells the client and the
coach after commit. Those only the pages call are durable transactions (see services.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from consonance.audit.services import audit_append
from consonance.booking import clients, emails, hooks, selectors, services, tasks
from consonance.booking.clients import Client
from consonance.booking.errors import BookingError, SlotTaken
from consonance.booking.invoices import invoice_hold
from consonance.booking.locks import lock_bookings
from consonance.booking.models import Booking, Service, ZoomSync
from consonance.booking.time_checks import check_unusual_time
from consonance.lib.time import STOCKHOLM
from consonance.payments.models import Order


def _audit(booking: Booking, actor: str, action: str, **detail: object) -> None:
    audit_append(
        actor=actor,
        action=action,
        subject_id=booking.person_id,
        category="contact_details",
        detail={"booking": booking.pk, **detail},
    )


def move_deadline(booking: Booking) -> datetime | None:
    """Until when the client may move her session herself: while a cancellation would still
    give her everything back (the service's rule)."""
    return selectors.refund_deadline(booking) if booking.starts_at is not None else None


def client_may_move(booking: Booking, now: datetime) -> bool:
    deadline = move_deadline(booking)
    return booking.state == Booking.State.CONFIRMED and deadline is not None and now <= deadline


def booking_move(
    *,
    booking_id: int,
    starts_at: datetime,
    actor: str,
    by_client: bool,
    confirmed: str = "",
    now: datetime | None = None,
) -> Booking:
    """Give a video session a new start. A client may move only to a time she could book and
    within the service's rule; the coach to any time before the session that is free, and to
    one outside her hours, in a holiday or busy in her calendar only once she has `confirmed`
    it (time_checks.confirmation_key of that start).

    Raises SlotTaken when the new time is not free, BookingError when the booking cannot move,
    NeedsConfirmation (nothing changed, nothing sent) when the coach has yet to confirm."""
    now = now or timezone.now()
    try:
        with transaction.atomic(durable=True):
            settings_row = lock_bookings()
            booking = (
                Booking.objects.select_for_update(of=("self",))
                .select_related("service", "order", "person")
                .get(pk=booking_id)
            )
            if not booking.is_active or booking.starts_at is None:
                raise BookingError("cannot move")
            if booking.starts_at <= now or starts_at <= now:
                raise BookingError("already started")
            if by_client and not client_may_move(booking, now):
                raise BookingError("too late to move")
            duration = timedelta(minutes=booking.service.duration_minutes)
            _check_new_time(booking, starts_at, settings_row, now, by_client, confirmed)
            previous = booking.starts_at
            with transaction.atomic():
                booking.save(update_fields=_reschedule(booking, starts_at, duration, now))
            services.consultation_clock_refresh(booking.person_id)
            _audit(booking, actor, "booking.moved", by_client=by_client, was=previous.isoformat())
            emails.moved(booking)  # with the same video link: the Zoom meeting keeps it
            emails.coach_notify(booking, "moved")
    except IntegrityError as error:
        raise SlotTaken("slot taken") from error
    return booking


def _check_new_time(
    booking: Booking,
    starts_at: datetime,
    settings_row,
    now: datetime,
    by_client: bool,
    confirmed: str,
) -> None:
    """SlotTaken unless the new time is free: for a client, one she could book; for the coach,
    one that meets no other session, and NeedsConfirmation for an unusual one not confirmed."""
    duration = timedelta(minutes=booking.service.duration_minutes)
    if by_client:
        free = selectors.slot_bookable(
            booking.service, starts_at, now=now, settings=settings_row, exclude_pk=booking.pk
        )
    else:
        margin = timedelta(minutes=settings_row.buffer_minutes)
        free = not selectors.busy_intervals(
            start=starts_at - margin,
            end=starts_at + duration + margin,
            now=now,
            exclude_pk=booking.pk,
        )
    if not free:
        raise SlotTaken("slot taken")
    if not by_client:
        check_unusual_time(starts_at, starts_at + duration, settings_row, confirmed)


def _reschedule(
    booking: Booking, starts_at: datetime, duration: timedelta, now: datetime
) -> list[str]:
    """Give `booking` its new time (its reminder goes again; its Zoom meeting follows); the
    fields to save."""
    booking.starts_at = starts_at
    booking.ends_at = starts_at + duration
    booking.reminder_sent_at = None
    booking.ics_sequence += 1  # the new calendar file replaces the old event (same UID)
    fields = ["starts_at", "ends_at", "reminder_sent_at", "ics_sequence"]
    return [*fields, *_zoom_follows(booking, now)]


def _zoom_follows(booking: Booking, now: datetime) -> list[str]:
    """A moved booking with a Zoom meeting: the meeting must get the new time (meetings.py),
    once this transaction commits. A run in progress (its lease ahead) sends it when it ends."""
    if not booking.zoom_meeting_id:
        return []
    booking.zoom_sync = ZoomSync.PENDING
    booking.zoom_sync_attempts = 0
    if booking.zoom_sync_next_at is None or booking.zoom_sync_next_at <= now:
        booking.zoom_sync_next_at = now
    booking_id = booking.pk
    transaction.on_commit(lambda: tasks.booking_moved_task.enqueue(booking_id), robust=True)
    return ["zoom_sync", "zoom_sync_attempts", "zoom_sync_next_at"]


def booking_zoom_retry(*, booking_id: int, actor: str, now: datetime | None = None) -> bool:
    """The coach asks to try moving the Zoom meeting again; False when it had not failed."""
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        booking = Booking.objects.select_for_update(of=("self",)).get(pk=booking_id)
        if booking.zoom_sync != ZoomSync.FAILED or not booking.is_active:
            return False
        booking.zoom_sync_next_at = None
        _zoom_follows(booking, now)
        booking.save(update_fields=["zoom_sync", "zoom_sync_attempts", "zoom_sync_next_at"])
        _audit(booking, actor, "booking.zoom_retried")
    return True


def booking_mark_no_show(*, booking_id: int, actor: str, now: datetime | None = None) -> bool:
    """The client did not come: a confirmed session that has started. Nothing is refunded."""
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        booking = Booking.objects.select_for_update(of=("self",)).get(pk=booking_id)
        if booking.state != Booking.State.CONFIRMED or not booking.starts_at:
            return False
        if booking.starts_at > now:
            return False
        booking.state = Booking.State.NO_SHOW
        booking.save(update_fields=["state"])
        _audit(booking, actor, "booking.no_show")
    return True


def booking_consultation_answered(*, booking_id: int, at: datetime, actor: str) -> bool:
    """An e-mail consultation got its first reply: the service has begun, and from now a
    cancellation gives back only the service's `answered_refund_percent`. Idempotent."""
    with transaction.atomic():
        booking = Booking.objects.select_for_update(of=("self",)).get(pk=booking_id)
        if booking.answered_at is not None or booking.state != Booking.State.CONFIRMED:
            return False
        booking.answered_at = at
        booking.save(update_fields=["answered_at"])
        _audit(booking, actor, "booking.answered")
    return True


def booking_complete(*, booking_id: int, actor: str, now: datetime | None = None) -> bool:
    """An e-mail consultation has had all its replies or days: its booking is completed (no
    longer active, so it cannot be cancelled). True when it changed."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = Booking.objects.select_for_update(of=("self",)).get(pk=booking_id)
        if booking.state != Booking.State.CONFIRMED:
            return False
        booking.state = Booking.State.COMPLETED
        booking.completed_at = now
        booking.answered_at = booking.answered_at or now
        booking.save(update_fields=["state", "completed_at", "answered_at"])
        _audit(booking, actor, "booking.completed")
        services.consultation_clock_refresh(booking.person_id)
    return True


def booking_set_video_link(*, booking_id: int, join_url: str, actor: str) -> Booking:
    """The coach sets the link to a session (without Zoom, or another room): the client gets it."""
    with transaction.atomic(durable=True):
        booking = (
            Booking.objects.select_for_update(of=("self",))
            .select_related("service", "order", "person")
            .get(pk=booking_id)
        )
        if not booking.is_active or not booking.service.has_slot:
            raise BookingError("no video session")
        booking.join_url = join_url
        if booking.zoom_sync == ZoomSync.FAILED:
            booking.zoom_sync = ZoomSync.IN_STEP  # she has seen to the link herself
        booking.save(update_fields=["join_url", "zoom_sync"])
        _audit(booking, actor, "booking.video_link_set")
        if booking.state == Booking.State.CONFIRMED:
            emails.video_link(booking)
    return booking


def booking_create_by_coach(
    *,
    service: Service,
    starts_at: datetime | None,
    client: Client,
    invoice: bool,
    actor: str,
    confirmed: str = "",
    now: datetime | None = None,
) -> Booking:
    """A booking the coach makes for a client (agreed by phone): any free time, an unusual one
    once `confirmed` (as for `booking_move`). With `invoice` the client gets a Bankgiro invoice
    and the time is held until paid; without, it is confirmed at once (paid otherwise, or free)."""
    now = now or timezone.now()
    if service.has_slot and starts_at is None:
        raise BookingError("a video consultation needs a start time")
    if not service.has_slot:
        starts_at = None
    try:
        with transaction.atomic(durable=True):
            settings_row = lock_bookings()
            ends_at = None
            if starts_at is not None:
                ends_at = starts_at + timedelta(minutes=service.duration_minutes)
                margin = timedelta(minutes=settings_row.buffer_minutes)
                if starts_at <= now or selectors.busy_intervals(
                    start=starts_at - margin, end=ends_at + margin, now=now
                ):
                    raise SlotTaken("slot taken")
                check_unusual_time(starts_at, ends_at, settings_row, confirmed)
            person = clients.client_person(client)
            order = None
            hold_until = None
            if invoice:
                order = clients.order_for(service, client, person, Order.Method.BANKGIRO, actor)
                hold_until = invoice_hold(order, starts_at, now, actor)
            with transaction.atomic():
                booking = Booking.objects.create(
                    service=service,
                    person=person,
                    order=order,
                    starts_at=starts_at,
                    ends_at=ends_at,
                    state=Booking.State.HELD if invoice else Booking.State.CONFIRMED,
                    hold_expires_at=hold_until,
                    confirmed_at=None if invoice else now,
                    language=client.language,
                    created_at=now,
                )
            _audit(booking, actor, "booking.created_by_coach", invoice=invoice)
            if invoice:
                emails.invoice(booking)
            else:
                services.consultation_clock_refresh(person.pk)
                hooks.booking_confirmed.emit(booking)  # e.g. the journal opens a consultation
                booking_id = booking.pk
                transaction.on_commit(lambda: tasks.booking_confirmed_task.enqueue(booking_id))
    except IntegrityError as error:
        raise SlotTaken("slot taken") from error
    return booking


def _remind_once(due, *, state: str, mark: str, send, now: datetime) -> int:
    """Send `send(booking)` to each booking of `due` still in `state` and not yet marked, then
    mark it (`mark`: the booking's timestamp field): each reminder goes once, under a row lock."""
    sent = 0
    for pk in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            booking = (
                Booking.objects.select_for_update(of=("self",))
                .select_related("service", "order", "person")
                .get(pk=pk)
            )
            if getattr(booking, mark) is not None or booking.state != state:
                continue
            send(booking)
            setattr(booking, mark, now)
            booking.save(update_fields=[mark])
            sent += 1
    return sent


def booking_send_reminders(*, now: datetime | None = None) -> int:
    """Remind every confirmed session starting within CONSONANCE_REMINDER_HOURS (once each)."""
    now = now or timezone.now()
    due = Booking.objects.filter(
        state=Booking.State.CONFIRMED,
        reminder_sent_at__isnull=True,
        starts_at__gt=now,
        starts_at__lte=now + timedelta(hours=settings.REMINDER_HOURS),
    )
    return _remind_once(
        due, state=Booking.State.CONFIRMED, mark="reminder_sent_at", send=emails.reminder, now=now
    )


# A Bankgiro invoice still unpaid this many days before its due date gets one reminder.
PAYMENT_REMINDER_DAYS = 2


def booking_send_payment_reminders(*, now: datetime | None = None) -> int:
    """Remind every held Bankgiro booking whose invoice is due within two days and unpaid."""
    now = now or timezone.now()
    today = now.astimezone(STOCKHOLM).date()
    due = Booking.objects.filter(
        state=Booking.State.HELD,
        payment_reminder_sent_at__isnull=True,
        order__method=Order.Method.BANKGIRO,
        order__due_date__gte=today,
        order__due_date__lte=today + timedelta(days=PAYMENT_REMINDER_DAYS),
        order__amount_paid__lt=F("order__amount"),
    )
    return _remind_once(
        due,
        state=Booking.State.HELD,
        mark="payment_reminder_sent_at",
        send=emails.payment_reminder,
        now=now,
    )
