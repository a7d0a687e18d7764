"""Reads for booking: the schedule from the database, free slots, bookings for the staff pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Count, F, Max, Min, Q, QuerySet
from django.utils import timezone

from consonance.booking import availability
from consonance.booking.busy import busy_between
from consonance.booking.models import (
    Booking,
    DayOff,
    OpeningHours,
    PracticeSettings,
    Service,
    ZoomSync,
)
from consonance.payments.models import Order
from consonance.payments.providers import config
from consonance.payments.selectors import order_refundable
from consonance.privacy.holidays import holiday_periods_ahead

STOCKHOLM = availability.STOCKHOLM
# A Bankgiro payment takes a banking day or two: the invoice is due two days before the
# session, so Bankgiro is offered only for slots at least this far ahead.
BANKGIRO_MIN_LEAD = timedelta(days=4)
BANKGIRO_DUE_BEFORE = timedelta(days=2)


def services_bookable() -> QuerySet[Service]:
    return Service.objects.filter(active=True)


def schedule_load(
    settings: PracticeSettings | None = None, *, holidays: bool = True
) -> availability.Schedule:
    """The practice's opening hours, exceptions and booking window as a pure Schedule. Every
    day of a holiday is closed (unless `holidays` is False: the hours she keeps otherwise)."""
    settings = settings or PracticeSettings.load()
    rules = tuple(
        availability.OpeningRule(weekday, start, end)
        for weekday, start, end in OpeningHours.objects.values_list("weekday", "start", "end")
    )
    today = timezone.localdate(timezone=STOCKHOLM)
    by_day: dict[date, list[tuple[time, time]] | None] = {}
    for day_off in DayOff.objects.filter(day__gte=today - timedelta(days=1)):
        intervals = by_day.setdefault(day_off.day, [])
        start, end = day_off.start, day_off.end
        if start is None or end is None:  # DayOff.closed
            by_day[day_off.day] = None  # closed all day wins over changed hours
        elif intervals is not None and start < end:
            intervals.append((start, end))
    if holidays:
        for period in holiday_periods_ahead(now=timezone.now() - timedelta(days=1)):
            day = period.first_day
            while day <= period.last_day:
                by_day[day] = None
                day += timedelta(days=1)
    exceptions = tuple(
        availability.DateException(day, tuple(intervals or ())) for day, intervals in by_day.items()
    )
    return availability.Schedule(
        rules=rules,
        exceptions=exceptions,
        notice=settings.notice,
        horizon=max(settings.horizon, settings.notice),
    )


def slot_service(service: Service, settings: PracticeSettings) -> availability.Service:
    return availability.Service(
        duration_minutes=service.duration_minutes,
        step_minutes=settings.step_minutes,
        buffer_minutes=settings.buffer_minutes,
    )


def busy_intervals(
    *, start: datetime, end: datetime, now: datetime, exclude_pk: int | None = None
) -> list[tuple[datetime, datetime]]:
    """Active bookings meeting [start, end): confirmed ones and holds that have not expired."""
    rows = Booking.objects.filter(
        Q(state=Booking.State.CONFIRMED)
        | Q(state=Booking.State.HELD, hold_expires_at__gt=now)
        | Q(state=Booking.State.HELD, hold_expires_at__isnull=True),
        starts_at__lt=end,
        ends_at__gt=start,
    )
    if exclude_pk is not None:
        rows = rows.exclude(pk=exclude_pk)
    return _datetime_pairs(rows.values_list("starts_at", "ends_at"))


def _datetime_pairs(rows: QuerySet) -> list[tuple[datetime, datetime]]:
    """The rows' two datetimes. On SQLite the ORM's per-value converters dominate the cost of
    loading thousands of bookings, so the (UTC, ISO 8601) text is parsed with fromisoformat."""
    if connection.vendor != "sqlite":
        return list(rows)
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    if fetched and isinstance(fetched[0][0], datetime):  # converted by sqlite3 itself (naive UTC)
        return [(start.replace(tzinfo=UTC), end.replace(tzinfo=UTC)) for start, end in fetched]
    parse = datetime.fromisoformat
    return [
        (parse(start).replace(tzinfo=UTC), parse(end).replace(tzinfo=UTC)) for start, end in fetched
    ]


def free_slots(
    service: Service, *, now: datetime | None = None, settings: PracticeSettings | None = None
) -> list[availability.Slot]:
    """Every slot a visitor may book now, in UTC, sorted."""
    now = now or timezone.now()
    settings = settings or PracticeSettings.load()
    schedule = schedule_load(settings)
    margin = timedelta(minutes=settings.buffer_minutes + service.duration_minutes)
    start, end = now + schedule.notice - margin, now + schedule.horizon + margin
    busy = busy_intervals(start=start, end=end, now=now)
    busy.extend(busy_between(start, end))  # her own calendars
    return availability.free_slots(schedule, slot_service(service, settings), busy, now)


def slot_bookable(
    service: Service,
    start: datetime,
    *,
    now: datetime,
    settings: PracticeSettings,
    exclude_pk: int | None = None,
) -> bool:
    """The same answer as `free_slots` for one start (call inside the booking lock)."""
    schedule = schedule_load(settings)
    spec = slot_service(service, settings)
    margin = spec.duration + spec.buffer
    busy = busy_intervals(start=start - margin, end=start + margin, now=now, exclude_pk=exclude_pk)
    busy.extend(busy_between(start - margin, start + margin))
    return availability.slot_is_free(schedule, spec, busy, now, start)


def slots_by_day(
    slots: list[availability.Slot], tz: ZoneInfo
) -> list[tuple[datetime, list[tuple[availability.Slot, datetime, datetime]]]]:
    """Slots grouped by local date in `tz`: [(first start, [(slot, start in Stockholm, start in tz)])]."""
    days: list[tuple[datetime, list]] = []
    current = None
    for slot in slots:
        local = slot.start.astimezone(tz)
        if current != local.date():
            current = local.date()
            days.append((local, []))
        days[-1][1].append((slot, slot.start.astimezone(STOCKHOLM), local))
    return days


def bookings_upcoming(now: datetime | None = None) -> QuerySet[Booking]:
    now = now or timezone.now()
    return (
        Booking.objects.select_related("service", "person", "order")
        .filter(Q(starts_at__gte=now - timedelta(hours=2)) | Q(starts_at__isnull=True))
        .order_by("starts_at", "pk")
    )


def bookings_past(now: datetime | None = None) -> QuerySet[Booking]:
    now = now or timezone.now()
    return (
        Booking.objects.select_related("service", "person", "order")
        .filter(starts_at__lt=now - timedelta(hours=2))
        .order_by("-starts_at", "-pk")
    )


def refund_due(booking: Booking, now: datetime) -> Decimal:
    """What the service's cancellation rule gives back if the client cancels at `now`."""
    order = booking.order
    if order is None:
        return Decimal("0.00")
    paid = order_refundable(order)
    if paid <= 0:
        return Decimal("0.00")
    service = booking.service
    if booking.state == Booking.State.COMPLETED:
        return Decimal("0.00")
    if booking.answered_at is not None and booking.answered_at <= now:
        # An e-mail consultation I have answered has begun: its own rule, whatever the hours.
        return (paid * service.answered_refund_percent / 100).quantize(Decimal("0.01"))
    full_until = refund_deadline(booking)
    if full_until is None or now <= full_until:
        return paid
    return (paid * service.late_refund_percent / 100).quantize(Decimal("0.01"))


def refund_deadline(booking: Booking) -> datetime | None:
    hours = timedelta(hours=booking.service.refund_full_hours)
    if booking.starts_at is not None:
        return booking.starts_at - hours
    start = booking.confirmed_at or booking.created_at
    return start + hours if start else None


# -- what a visitor is offered -----------------------------------------------------------------


def bankgiro_possible(service: Service, starts_at: datetime | None, now: datetime) -> bool:
    return starts_at is None or starts_at - now >= BANKGIRO_MIN_LEAD


def payment_methods(service: Service, starts_at: datetime | None, now: datetime) -> list[str]:
    """The ways to pay this booking: the configured ones, less Bankgiro when it is too late for an
    invoice to be paid before the session."""
    methods = config.configured_methods()
    if Order.Method.BANKGIRO in methods and not bankgiro_possible(service, starts_at, now):
        methods.remove(Order.Method.BANKGIRO)
    return methods


def bankgiro_only_too_soon(methods: list[str]) -> bool:
    """No way to pay is left because Bankgiro, configured, is too slow for this time."""
    return not methods and Order.Method.BANKGIRO in config.configured_methods()


def bankgiro_only_configured() -> bool:
    return config.configured_methods() == [Order.Method.BANKGIRO]


def offered_slots(service: Service, *, now: datetime) -> list[availability.Slot]:
    """The free slots a visitor is offered. A slot offered is a slot that can be booked: when
    Bankgiro is the only way to pay, the slots too near for an invoice to be paid in time are
    not offered at all."""
    slots = free_slots(service, now=now)
    if bankgiro_only_configured():
        slots = [s for s in slots if bankgiro_possible(service, s.start, now)]
    return slots


def person_bookings(person_id: int) -> QuerySet[Booking]:
    """One person's bookings, newest first (her account page)."""
    return (
        Booking.objects.filter(person_id=person_id)
        .exclude(state=Booking.State.EXPIRED)
        .select_related("service", "order")
        .order_by("-starts_at", "-created_at")
    )


# -- the coach's day and week ----------------------------------------------------------------

SHOWN_STATES = (Booking.State.CONFIRMED, Booking.State.HELD, Booking.State.NO_SHOW)


def bookings_between(start: datetime, end: datetime) -> QuerySet[Booking]:
    """Sessions (confirmed, held, no-shows) starting in [start, end), for the day and week views."""
    return (
        Booking.objects.filter(state__in=SHOWN_STATES, starts_at__gte=start, starts_at__lt=end)
        .select_related("service", "person")
        .only(
            "pk",
            "starts_at",
            "ends_at",
            "state",
            "join_url",
            "service__name_sv",
            "service__name_en",
            "service__kind",
            "person__first_name",
            "person__last_name",
        )
        .order_by("starts_at", "pk")
    )


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def sessions_without_link(now: datetime, within: timedelta) -> QuerySet[Booking]:
    """Confirmed video sessions soon that have no video link yet."""
    return Booking.objects.filter(
        state=Booking.State.CONFIRMED,
        join_url="",
        starts_at__gt=now,
        starts_at__lte=now + within,
        service__kind=Service.Kind.VIDEO,
    ).select_related("person")


# -- the coach's clients ----------------------------------------------------------------------

SESSION_STATES = (Booking.State.CONFIRMED, Booking.State.NO_SHOW, Booking.State.COMPLETED)


def clients_by_session(people: QuerySet, now: datetime) -> QuerySet:
    """People with their next session (held or confirmed, from now on), their last one and how
    many sessions they had, ordered for the client list: the next session first, then the most
    recent last session. One grouped join over the bookings, however many people."""
    upcoming = Q(bookings__state__in=Booking.ACTIVE, bookings__starts_at__gte=now)
    held = Q(bookings__state__in=SESSION_STATES)
    return people.annotate(
        next_at=Min("bookings__starts_at", filter=upcoming),
        last_at=Max("bookings__starts_at", filter=held & Q(bookings__starts_at__lt=now)),
        sessions=Count("bookings", filter=held),
    ).order_by(
        F("next_at").asc(nulls_last=True),
        F("last_at").desc(nulls_last=True),
        # Then the latest in touch: names are encrypted, the database cannot order by them.
        F("last_contact_at").desc(),
        "pk",
    )


def next_sessions(person_ids: list[int], now: datetime) -> dict[int, Booking]:
    """Each person's next session (held or confirmed, with a time), for one page of clients."""
    found: dict[int, Booking] = {}
    rows = (
        Booking.objects.filter(
            person_id__in=person_ids, state__in=Booking.ACTIVE, starts_at__gte=now
        )
        .select_related("service")
        .only("pk", "person_id", "starts_at", "state", "service__name_sv", "service__name_en")
        .order_by("starts_at", "pk")
    )
    for booking in rows:
        found.setdefault(booking.person_id, booking)
    return found


@dataclass(frozen=True)
class StaffActions:
    """What the coach may do with a booking now (its page and the client card link to them)."""

    started: bool
    can_cancel: bool
    can_move: bool
    can_no_show: bool


def staff_actions(booking: Booking, now: datetime) -> StaffActions:
    started = booking.starts_at is not None and booking.starts_at <= now
    return StaffActions(
        started=started,
        can_cancel=booking.is_active and not started,
        can_move=booking.is_active and booking.starts_at is not None and not started,
        can_no_show=booking.state == Booking.State.CONFIRMED and started,
    )


def person_sessions(person_id: int, now: datetime) -> tuple[list[Booking], list[Booking]]:
    """One person's bookings for her card: (upcoming, soonest first; past, newest first).
    An e-mail consultation without a time is upcoming while it is active."""
    upcoming: list[Booking] = []
    past: list[Booking] = []
    for booking in person_bookings(person_id):
        ahead = booking.starts_at >= now if booking.starts_at else booking.is_active
        (upcoming if ahead else past).append(booking)
    far = datetime.max.replace(tzinfo=UTC)
    upcoming.sort(key=lambda b: (b.starts_at or far, b.pk))
    past.sort(key=lambda b: (b.starts_at or b.created_at, b.pk), reverse=True)
    return upcoming, past


def zoom_sync_due(now: datetime, limit: int = 200) -> list[int]:
    """Moved bookings whose Zoom meeting is due another try to get the new time (meetings.py)."""
    return list(
        Booking.objects.filter(zoom_sync=ZoomSync.PENDING, zoom_sync_next_at__lte=now)
        .order_by("zoom_sync_next_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def sessions_zoom_failed(now: datetime) -> QuerySet[Booking]:
    """Sessions ahead whose Zoom meeting could not be moved to their new time."""
    return Booking.objects.filter(
        state__in=Booking.ACTIVE, zoom_sync=ZoomSync.FAILED, starts_at__gt=now
    ).select_related("person")


def bookings_per_month(first: date, last: date) -> dict[date, int]:
    """Sessions booked (confirmed or no-show) per Stockholm month, keyed by the month's first
    day, for sessions from `first` to `last`: a video session by its time, an e-mail
    consultation by when it was booked. At most a year's bookings are read (the coach's chart)."""
    start = datetime.combine(first, time.min, tzinfo=STOCKHOLM)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=STOCKHOLM)
    moments = (
        Booking.objects.filter(state__in=(Booking.State.CONFIRMED, Booking.State.NO_SHOW))
        .filter(
            Q(starts_at__gte=start, starts_at__lt=end)
            | Q(starts_at__isnull=True, created_at__gte=start, created_at__lt=end)
        )
        .values_list("starts_at", "created_at")
    )
    counts: dict[date, int] = {}
    for starts_at, created_at in moments:
        month = (starts_at or created_at).astimezone(STOCKHOLM).date().replace(day=1)
        counts[month] = counts.get(month, 0) + 1
    return counts
