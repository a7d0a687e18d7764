"""Free booking slots: pure computation, no database and no Django.

The practice describes when it works in local wall-clock time (``Schedule``: weekly
``OpeningRule`` s plus per-date ``DateException`` s, in a ``ZoneInfo`` zone, Europe/Stockholm by
default); a ``Service`` says how long a session is, on what grid it may start and how much
buffer it needs around other sessions. ``free_slots`` lists every bookable ``Slot`` (aware UTC
datetimes, sorted) and ``slot_is_free`` answers for one start. Both are built on the same
candidate generator and the same busy-interval index, so a slot that is offered is exactly a
slot that can be booked (given the same inputs and the same ``now``).

Decisions, in one place:

* **Grid.** Candidate starts are the opening interval's start plus whole multiples of
  ``Service.step_minutes`` in *wall-clock* time (09:00, 09:30, 10:00, ... for the default step
  of 30 minutes). The default is 30 minutes, not the session length: a 50-minute session on a
  50-minute grid would start at 09:00, 09:50, 10:40, ... which nobody reads easily. Set
  ``step_minutes=60`` for one session an hour. Overlapping or touching opening intervals of a
  date are merged first, and the grid is anchored at the start of the merged interval.
* **Containment.** A slot must lie entirely inside one (merged) opening interval of its local
  date, measured in real instants: ``interval_start <= slot.start`` and
  ``slot.end <= interval_end``. Opening intervals lie within one local date (start < end, no
  crossing of midnight).
* **Real durations.** ``slot.end - slot.start`` is always ``Service.duration`` of elapsed time,
  also across a DST change; the wall-clock end may therefore differ from start + duration.
* **Non-existent wall times** (02:00-03:00 on the last Sunday of March in Europe/Stockholm) are
  never offered as starts. An opening *bound* that does not exist is moved to the moment the
  clocks jump (an opening at 02:30 on that day opens at 03:00 CEST).
* **Ambiguous wall times** (02:00-03:00 on the last Sunday of October) are resolved with
  ``fold=0``, the first occurrence (still summer time, UTC+2), both for starts and for opening
  bounds; the second occurrence of that hour is never offered as a start.
* **Busy intervals** are half-open ``[start, end)`` and are widened by the buffer on both sides.
  A slot conflicts when ``slot.start < busy.end + buffer`` and ``slot.end > busy.start - buffer``;
  a slot may therefore start exactly ``buffer`` after a session ends. Busy intervals may be
  unsorted and overlapping; one whose end is before its start is an error (``ValueError``).
* **Notice and horizon** are inclusive: a slot is offered when
  ``now + notice <= slot.start <= now + horizon``.
* Every datetime given must be aware (``ValueError`` otherwise); results are in UTC.

Cost: O(n log n) in the number of busy intervals (sort and merge) plus O(log n) per candidate
(bisect), never a loop over the busy intervals per candidate.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from consonance.lib.time import STOCKHOLM

__all__ = [
    "STOCKHOLM",
    "DateException",
    "OpeningRule",
    "Schedule",
    "Service",
    "Slot",
    "free_slots",
    "slot_is_free",
    "to_zone",
    "within_opening_hours",
]


_ONE_DAY = timedelta(days=1)


def _check_wall_interval(start: time, end: time, what: str) -> None:
    if start.tzinfo is not None or end.tzinfo is not None:
        raise ValueError(
            f"{what}: opening times are local wall-clock times, give them without tzinfo"
        )
    if not start < end:
        raise ValueError(
            f"{what}: start {start} must be before end {end} (no crossing of midnight)"
        )


def _require_aware(value: datetime, what: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be an aware datetime, got naive {value!r}")


@dataclass(frozen=True, slots=True)
class OpeningRule:
    """Open every ``weekday`` (0 = Monday ... 6 = Sunday) from ``start`` to ``end``, local time."""

    weekday: int
    start: time
    end: time

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), got {self.weekday}")
        _check_wall_interval(self.start, self.end, f"OpeningRule(weekday={self.weekday})")


@dataclass(frozen=True, slots=True)
class DateException:
    """Replace the weekly rules on one local date.

    With no ``intervals`` the practice is closed all day (day off, holiday); otherwise the given
    ``(start, end)`` local wall-clock intervals are the opening hours of that date instead.
    """

    day: date
    intervals: tuple[tuple[time, time], ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "intervals", tuple((s, e) for s, e in self.intervals))
        for start, end in self.intervals:
            _check_wall_interval(start, end, f"DateException({self.day})")


@dataclass(frozen=True, slots=True)
class Service:
    """What is booked: session length, start grid and buffer, all in whole minutes."""

    duration_minutes: int
    step_minutes: int = 30
    buffer_minutes: int = 0

    def __post_init__(self) -> None:
        if self.duration_minutes <= 0:
            raise ValueError("duration_minutes must be positive")
        if self.step_minutes <= 0:
            raise ValueError("step_minutes must be positive")
        if self.buffer_minutes < 0:
            raise ValueError("buffer_minutes must not be negative")

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.duration_minutes)

    @property
    def step(self) -> timedelta:
        return timedelta(minutes=self.step_minutes)

    @property
    def buffer(self) -> timedelta:
        return timedelta(minutes=self.buffer_minutes)


@dataclass(frozen=True, slots=True)
class Schedule:
    """When the practice takes bookings: opening hours in ``tz`` plus the booking window.

    ``notice``: no slot starts before ``now + notice``; ``horizon``: none starts after
    ``now + horizon``. Exceptions take precedence over the weekly rules for their date; at most
    one exception per date.
    """

    rules: tuple[OpeningRule, ...]
    exceptions: tuple[DateException, ...] = ()
    tz: ZoneInfo = STOCKHOLM
    notice: timedelta = timedelta(0)
    horizon: timedelta = timedelta(weeks=8)
    _weekly: dict[int, tuple[tuple[timedelta, timedelta], ...]] = field(
        init=False, repr=False, compare=False
    )
    _by_date: dict[date, tuple[tuple[timedelta, timedelta], ...]] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "rules", tuple(self.rules))
        object.__setattr__(self, "exceptions", tuple(self.exceptions))
        if self.notice < timedelta(0):
            raise ValueError("notice must not be negative")
        if self.horizon < self.notice:
            raise ValueError("horizon must not be shorter than notice")
        weekly: dict[int, list[tuple[time, time]]] = {}
        for rule in self.rules:
            weekly.setdefault(rule.weekday, []).append((rule.start, rule.end))
        by_date: dict[date, tuple[tuple[timedelta, timedelta], ...]] = {}
        for exception in self.exceptions:
            if exception.day in by_date:
                raise ValueError(f"more than one DateException for {exception.day}")
            by_date[exception.day] = _merge_wall(exception.intervals)
        object.__setattr__(self, "_weekly", {wd: _merge_wall(iv) for wd, iv in weekly.items()})
        object.__setattr__(self, "_by_date", by_date)

    def opening_intervals(self, day: date) -> tuple[tuple[timedelta, timedelta], ...]:
        """Merged opening intervals of a local date, as offsets from local midnight."""
        found = self._by_date.get(day)
        if found is not None:
            return found
        return self._weekly.get(day.weekday(), ())


@dataclass(frozen=True, slots=True, order=True)
class Slot:
    """A bookable session: aware UTC ``start`` and ``end``."""

    start: datetime
    end: datetime


def to_zone(slot: Slot, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The slot's start and end as aware datetimes in ``tz`` (e.g. the client's zone)."""
    return slot.start.astimezone(tz), slot.end.astimezone(tz)


# --- wall-clock helpers ----------------------------------------------------------------------


def _offset(t: time) -> timedelta:
    return timedelta(hours=t.hour, minutes=t.minute, seconds=t.second, microseconds=t.microsecond)


def _wall(offset: timedelta) -> time:
    seconds, micro = divmod(offset // timedelta(microseconds=1), 1_000_000)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    return time(hour, minute, second, micro)


def _merge_wall(intervals: Iterable[tuple[time, time]]) -> tuple[tuple[timedelta, timedelta], ...]:
    merged: list[list[timedelta]] = []
    for start, end in sorted((_offset(s), _offset(e)) for s, e in intervals):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return tuple((s, e) for s, e in merged)


def _existing_utc(day: date, wall: time, tz: ZoneInfo) -> datetime | None:
    """The UTC instant of a local wall time (``fold=0`` if ambiguous); None if it does not exist."""
    instant = datetime.combine(day, wall, tzinfo=tz).astimezone(UTC)
    back = instant.astimezone(tz)
    if back.date() != day or back.time() != wall:
        return None
    return instant


def _bound_utc(day: date, offset: timedelta, tz: ZoneInfo) -> datetime:
    """An opening bound as an instant; a non-existent one moves to the moment the clocks jump."""
    wall = _wall(offset)
    instant = _existing_utc(day, wall, tz)
    if instant is not None:
        return instant
    # In a gap: fold=1 reads the wall time with the offset after the jump (an instant before the
    # jump), fold=0 with the offset before it (an instant after it). Bisect to the jump itself.
    before = datetime.combine(day, wall, tzinfo=tz).replace(fold=1).astimezone(UTC)
    after = datetime.combine(day, wall, tzinfo=tz).astimezone(UTC)
    if after < before:
        before, after = after, before
    target = after.astimezone(tz).utcoffset()
    low, high = 0, int((after - before).total_seconds())
    while low < high:
        mid = (low + high) // 2
        if (before + timedelta(seconds=mid)).astimezone(tz).utcoffset() == target:
            high = mid
        else:
            low = mid + 1
    return before + timedelta(seconds=low)


def _day_candidates(schedule: Schedule, service: Service, day: date) -> Iterator[Slot]:
    """Every grid slot of a local date that lies inside its opening hours, in order.

    Notice, horizon and busy intervals are not applied here.
    """
    tz = schedule.tz
    duration = service.duration
    step = service.step
    for wall_start, wall_end in schedule.opening_intervals(day):
        open_at = _bound_utc(day, wall_start, tz)
        close_at = _bound_utc(day, wall_end, tz)
        offset = wall_start
        while offset < wall_end:
            start = _existing_utc(day, _wall(offset), tz)
            offset += step
            if start is None or start < open_at:
                continue
            end = start + duration
            if end > close_at:
                continue
            yield Slot(start, end)


# --- busy intervals --------------------------------------------------------------------------


class _BusyIndex:
    """Busy intervals widened by the buffer, merged into sorted disjoint half-open intervals."""

    __slots__ = ("ends", "starts")

    def __init__(self, busy: Iterable[tuple[datetime, datetime]], buffer: timedelta) -> None:
        widened: list[tuple[datetime, datetime]] = []
        for start, end in busy:
            if start.tzinfo is None or end.tzinfo is None:
                raise ValueError(f"busy interval ({start!r}, {end!r}) must be aware datetimes")
            if end < start:
                raise ValueError(f"busy interval ends before it starts: ({start}, {end})")
            low, high = start - buffer, end + buffer
            if low < high:
                widened.append((low, high))
        widened.sort()
        starts: list[datetime] = []
        ends: list[datetime] = []
        for low, high in widened:
            if ends and low <= ends[-1]:
                if high > ends[-1]:
                    ends[-1] = high
            else:
                starts.append(low)
                ends.append(high)
        self.starts = starts
        self.ends = ends

    def overlaps(self, start: datetime, end: datetime) -> bool:
        """Whether ``[start, end)`` meets any (widened) busy interval."""
        index = bisect_right(self.ends, start)  # first interval ending after start
        return index < len(self.starts) and self.starts[index] < end


# --- public API ------------------------------------------------------------------------------


def _window(schedule: Schedule, now: datetime) -> tuple[datetime, datetime]:
    _require_aware(now, "now")
    now = now.astimezone(UTC)
    return now + schedule.notice, now + schedule.horizon


def free_slots(
    schedule: Schedule,
    service: Service,
    busy: Iterable[tuple[datetime, datetime]],
    now: datetime,
) -> list[Slot]:
    """Every slot offered between ``now + notice`` and ``now + horizon``, sorted by start."""
    earliest, latest = _window(schedule, now)
    index = _BusyIndex(busy, service.buffer)
    tz = schedule.tz
    # One local date of margin on each side: the filters below decide, not the date range.
    day = earliest.astimezone(tz).date() - _ONE_DAY
    last_day = latest.astimezone(tz).date() + _ONE_DAY
    slots: list[Slot] = []
    while day <= last_day:
        for slot in _day_candidates(schedule, service, day):
            if earliest <= slot.start <= latest and not index.overlaps(slot.start, slot.end):
                slots.append(slot)
        day += _ONE_DAY
    slots.sort()
    return slots


def slot_is_free(
    schedule: Schedule,
    service: Service,
    busy: Iterable[tuple[datetime, datetime]],
    now: datetime,
    start: datetime,
) -> bool:
    """Whether a slot starting at ``start`` is offered by ``free_slots`` with the same inputs.

    Meant to re-check a chosen slot inside the booking transaction; ``busy`` may be limited to
    the intervals near ``start`` (within duration + buffer), as others cannot conflict.
    """
    _require_aware(start, "start")
    earliest, latest = _window(schedule, now)
    start = start.astimezone(UTC)
    if not earliest <= start <= latest:
        return False
    day = start.astimezone(schedule.tz).date()
    for slot in _day_candidates(schedule, service, day):
        if slot.start == start:
            return not _BusyIndex(busy, service.buffer).overlaps(slot.start, slot.end)
    return False


def within_opening_hours(schedule: Schedule, start: datetime, end: datetime) -> bool:
    """Whether ``[start, end)`` lies inside one opening interval of its local date (the weekly
    hours, or that date's exception). Notice, horizon, grid and busy times are not considered:
    this is the coach's question "is this within my hours?", not "may a client book it?"."""
    _require_aware(start, "start")
    _require_aware(end, "end")
    day = start.astimezone(schedule.tz).date()
    for wall_start, wall_end in schedule.opening_intervals(day):
        open_at = _bound_utc(day, wall_start, schedule.tz)
        close_at = _bound_utc(day, wall_end, schedule.tz)
        if open_at <= start and end <= close_at:
            return True
    return False
