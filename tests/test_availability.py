"""Free booking slots (consonance.booking.availability): pure functions, no database."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from consonance.booking.availability import (
    STOCKHOLM,
    DateException,
    OpeningRule,
    Schedule,
    Service,
    Slot,
    free_slots,
    slot_is_free,
    to_zone,
)

WEEKDAYS_9_TO_17 = tuple(OpeningRule(weekday, time(9), time(17)) for weekday in range(5))
EVERY_DAY_9_TO_17 = tuple(OpeningRule(weekday, time(9), time(17)) for weekday in range(7))
FIFTY = Service(duration_minutes=50)

# Monday 16 November 2026, 06:00 UTC (07:00 in Stockholm, UTC+1): a week without DST changes.
MONDAY = date(2026, 11, 16)
NOW = datetime(2026, 11, 16, 6, 0, tzinfo=UTC)


def local(day: date, hour: int, minute: int = 0, tz: ZoneInfo = STOCKHOLM) -> datetime:
    """An instant given by its local wall-clock time (fold=0), in UTC."""
    return datetime.combine(day, time(hour, minute), tzinfo=tz).astimezone(UTC)


def starts_on(slots: list[Slot], day: date, tz: ZoneInfo = STOCKHOLM) -> list[time]:
    return [s.start.astimezone(tz).time() for s in slots if s.start.astimezone(tz).date() == day]


def half_hours(first: time, last: time) -> list[time]:
    out, t = [], datetime.combine(MONDAY, first)
    while t.time() <= last:
        out.append(t.time())
        t += timedelta(minutes=30)
    return out


def one_week(rules=WEEKDAYS_9_TO_17, exceptions=(), **kwargs) -> Schedule:
    return Schedule(rules=rules, exceptions=exceptions, horizon=timedelta(days=7), **kwargs)


# --- basic week ------------------------------------------------------------------------------


def test_basic_week_offers_half_hourly_starts_that_fit_before_closing():
    slots = free_slots(one_week(), FIFTY, [], NOW)

    for offset in range(5):
        assert starts_on(slots, MONDAY + timedelta(days=offset)) == half_hours(time(9), time(16))
    assert len(slots) == 5 * 15


def test_weekend_without_rules_is_closed():
    slots = free_slots(one_week(), FIFTY, [], NOW)

    assert starts_on(slots, date(2026, 11, 21)) == []
    assert starts_on(slots, date(2026, 11, 22)) == []


def test_slots_are_sorted_utc_and_last_exactly_the_duration():
    slots = free_slots(one_week(), FIFTY, [], NOW)

    assert slots == sorted(slots)
    assert all(s.start.tzinfo is UTC and s.end.tzinfo is UTC for s in slots)
    assert all(s.end - s.start == timedelta(minutes=50) for s in slots)
    assert slots[0] == Slot(local(MONDAY, 9), local(MONDAY, 9, 50))
    assert slots[0].start == datetime(2026, 11, 16, 8, 0, tzinfo=UTC)


def test_step_of_sixty_minutes_offers_one_start_an_hour():
    slots = free_slots(one_week(), Service(50, step_minutes=60), [], NOW)

    assert starts_on(slots, MONDAY) == [time(h) for h in range(9, 17)]


def test_several_intervals_a_day_each_contain_their_slots():
    rules = (OpeningRule(0, time(9), time(12)), OpeningRule(0, time(13), time(15)))
    slots = free_slots(one_week(rules), FIFTY, [], NOW)

    assert starts_on(slots, MONDAY) == [
        *half_hours(time(9), time(11)),
        time(13),
        time(13, 30),
        time(14),
    ]


def test_overlapping_opening_rules_are_merged_into_one_interval():
    rules = (OpeningRule(0, time(9), time(12)), OpeningRule(0, time(11), time(13)))
    slots = free_slots(one_week(rules), FIFTY, [], NOW)

    assert starts_on(slots, MONDAY) == half_hours(time(9), time(12))


def test_grid_is_anchored_at_the_opening_time():
    rules = (OpeningRule(0, time(9, 15), time(11)),)
    slots = free_slots(one_week(rules), FIFTY, [], NOW)

    assert starts_on(slots, MONDAY) == [time(9, 15), time(9, 45)]


# --- exceptions ------------------------------------------------------------------------------


def test_day_off_closes_only_that_date():
    tuesday = MONDAY + timedelta(days=1)
    slots = free_slots(one_week(exceptions=(DateException(tuesday),)), FIFTY, [], NOW)

    assert starts_on(slots, tuesday) == []
    assert starts_on(slots, MONDAY) == half_hours(time(9), time(16))
    assert starts_on(slots, tuesday + timedelta(days=1)) == half_hours(time(9), time(16))


def test_replaced_hours_take_the_place_of_the_weekly_rules():
    wednesday = MONDAY + timedelta(days=2)
    exception = DateException(wednesday, ((time(13), time(15)),))
    slots = free_slots(one_week(exceptions=(exception,)), FIFTY, [], NOW)

    assert starts_on(slots, wednesday) == [time(13), time(13, 30), time(14)]


def test_replaced_hours_can_open_a_day_without_weekly_rules():
    saturday = MONDAY + timedelta(days=5)
    exception = DateException(saturday, ((time(10), time(12)), (time(11), time(12, 30))))
    slots = free_slots(one_week(exceptions=(exception,)), FIFTY, [], NOW)

    assert starts_on(slots, saturday) == half_hours(time(10), time(11, 30))


def test_two_exceptions_for_one_date_are_refused():
    with pytest.raises(ValueError, match="more than one"):
        Schedule(WEEKDAYS_9_TO_17, exceptions=(DateException(MONDAY), DateException(MONDAY)))


def test_invalid_rules_are_refused():
    with pytest.raises(ValueError, match="weekday"):
        OpeningRule(7, time(9), time(17))
    with pytest.raises(ValueError, match="before end"):
        OpeningRule(0, time(17), time(9))
    with pytest.raises(ValueError, match="wall-clock"):
        OpeningRule(0, time(9, tzinfo=UTC), time(17))
    with pytest.raises(ValueError, match="duration"):
        Service(0)


# --- busy intervals and buffer ---------------------------------------------------------------


def test_buffer_keeps_sessions_apart_on_both_sides():
    busy = [(local(MONDAY, 10), local(MONDAY, 10, 50))]
    slots = free_slots(one_week(), Service(50, buffer_minutes=10), busy, NOW)

    # Busy 10:00-10:50 widened to 09:50-11:00: 09:00-09:50 just fits, 11:00 is the next start.
    assert starts_on(slots, MONDAY)[:4] == [time(9), time(11), time(11, 30), time(12)]


def test_without_buffer_a_slot_may_touch_a_booking():
    busy = [(local(MONDAY, 10), local(MONDAY, 10, 50))]
    slots = free_slots(one_week(), FIFTY, busy, NOW)

    assert starts_on(slots, MONDAY)[:3] == [time(9), time(11), time(11, 30)]
    assert slot_is_free(one_week(), FIFTY, busy, NOW, local(MONDAY, 9))
    assert not slot_is_free(one_week(), FIFTY, busy, NOW, local(MONDAY, 9, 30))


def test_buffer_exactly_fills_the_gap_between_busy_and_slot():
    busy = [(local(MONDAY, 10), local(MONDAY, 10, 50))]
    schedule = one_week()

    assert slot_is_free(schedule, Service(50, buffer_minutes=10), busy, NOW, local(MONDAY, 11))
    assert not slot_is_free(schedule, Service(50, buffer_minutes=11), busy, NOW, local(MONDAY, 11))
    assert slot_is_free(schedule, Service(50, buffer_minutes=10), busy, NOW, local(MONDAY, 9))
    assert not slot_is_free(schedule, Service(50, buffer_minutes=11), busy, NOW, local(MONDAY, 9))


def test_overlapping_unsorted_busy_intervals_block_their_union():
    busy = [
        (local(MONDAY, 14), local(MONDAY, 14, 30)),
        (local(MONDAY, 10), local(MONDAY, 11)),
        (local(MONDAY, 10, 30), local(MONDAY, 12)),  # overlaps the one before
        (local(MONDAY, 10, 15), local(MONDAY, 10, 20)),  # nested
        (local(MONDAY, 12), local(MONDAY, 12, 10)),  # touches
    ]
    slots = free_slots(one_week(), FIFTY, busy, NOW)

    assert starts_on(slots, MONDAY) == [
        time(9),
        time(12, 30),
        time(13),
        time(14, 30),
        time(15),
        time(15, 30),
        time(16),
    ]


def test_busy_interval_outside_opening_hours_blocks_through_the_buffer():
    busy = [(local(MONDAY, 8), local(MONDAY, 8, 55))]

    slots = free_slots(one_week(), Service(50, buffer_minutes=10), busy, NOW)

    assert starts_on(slots, MONDAY)[0] == time(9, 30)


def test_naive_or_reversed_busy_intervals_are_refused():
    naive = datetime(2026, 11, 16, 10, 0)
    with pytest.raises(ValueError, match="aware"):
        free_slots(one_week(), FIFTY, [(naive, naive + timedelta(hours=1))], NOW)
    with pytest.raises(ValueError, match="before it starts"):
        free_slots(one_week(), FIFTY, [(local(MONDAY, 11), local(MONDAY, 10))], NOW)


def test_naive_now_or_start_is_refused():
    with pytest.raises(ValueError, match="now"):
        free_slots(one_week(), FIFTY, [], datetime(2026, 11, 16, 6, 0))
    with pytest.raises(ValueError, match="start"):
        slot_is_free(one_week(), FIFTY, [], NOW, datetime(2026, 11, 16, 9, 0))


# --- notice and horizon ----------------------------------------------------------------------


def test_notice_edge_is_inclusive():
    schedule = Schedule(WEEKDAYS_9_TO_17, notice=timedelta(hours=24), horizon=timedelta(days=7))
    now = local(MONDAY, 10) - timedelta(hours=24)  # Sunday 10:00: Monday 10:00 is just bookable

    assert starts_on(free_slots(schedule, FIFTY, [], now), MONDAY)[0] == time(10)
    assert slot_is_free(schedule, FIFTY, [], now, local(MONDAY, 10))
    later = now + timedelta(microseconds=1)
    assert starts_on(free_slots(schedule, FIFTY, [], later), MONDAY)[0] == time(10, 30)
    assert not slot_is_free(schedule, FIFTY, [], later, local(MONDAY, 10))


def test_no_notice_still_never_offers_the_past():
    now = local(MONDAY, 11, 10)
    slots = free_slots(one_week(), FIFTY, [], now)

    assert slots[0].start == local(MONDAY, 11, 30)
    assert not slot_is_free(one_week(), FIFTY, [], now, local(MONDAY, 11))


def test_horizon_edge_is_inclusive():
    schedule = Schedule(WEEKDAYS_9_TO_17, horizon=timedelta(days=7))
    now = local(MONDAY + timedelta(days=7), 12) - timedelta(days=7)  # Monday 12:00
    slots = free_slots(schedule, FIFTY, [], now)

    assert slots[-1].start == local(MONDAY + timedelta(days=7), 12)
    assert slot_is_free(schedule, FIFTY, [], now, local(MONDAY + timedelta(days=7), 12))
    earlier = now - timedelta(microseconds=1)
    assert free_slots(schedule, FIFTY, [], earlier)[-1].start == local(
        MONDAY + timedelta(days=7), 11, 30
    )
    assert not slot_is_free(schedule, FIFTY, [], earlier, local(MONDAY + timedelta(days=7), 12))


def test_default_horizon_is_eight_weeks():
    slots = free_slots(Schedule(WEEKDAYS_9_TO_17), FIFTY, [], NOW)

    # Eight weeks from Monday 07:00 end on Monday 11 January 07:00, before opening.
    assert slots[-1].start == local(date(2027, 1, 8), 16)
    assert len(slots) == 8 * 5 * 15


# --- DST -------------------------------------------------------------------------------------


def test_march_2026_dst_week_keeps_nine_o_clock_local():
    now = datetime(2026, 3, 23, 0, 0, tzinfo=UTC)  # Monday before the change on Sunday 29 March
    schedule = Schedule(EVERY_DAY_9_TO_17, horizon=timedelta(days=8))
    slots = free_slots(schedule, FIFTY, [], now)

    for day in (date(2026, 3, 23) + timedelta(days=i) for i in range(8)):
        assert starts_on(slots, day) == half_hours(time(9), time(16)), day
    first = {s.start.astimezone(STOCKHOLM).date(): s.start for s in reversed(slots)}
    assert first[date(2026, 3, 28)] == datetime(2026, 3, 28, 8, 0, tzinfo=UTC)  # UTC+1
    assert first[date(2026, 3, 29)] == datetime(2026, 3, 29, 7, 0, tzinfo=UTC)  # UTC+2
    assert first[date(2026, 3, 30)] == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)
    assert all(s.end - s.start == timedelta(minutes=50) for s in slots)


def test_october_2026_dst_week_keeps_nine_o_clock_local():
    now = datetime(2026, 10, 19, 0, 0, tzinfo=UTC)  # Monday before the change on Sunday 25 Oct
    schedule = Schedule(EVERY_DAY_9_TO_17, horizon=timedelta(days=8))
    slots = free_slots(schedule, FIFTY, [], now)

    for day in (date(2026, 10, 19) + timedelta(days=i) for i in range(8)):
        assert starts_on(slots, day) == half_hours(time(9), time(16)), day
    first = {s.start.astimezone(STOCKHOLM).date(): s.start for s in reversed(slots)}
    assert first[date(2026, 10, 24)] == datetime(2026, 10, 24, 7, 0, tzinfo=UTC)  # UTC+2
    assert first[date(2026, 10, 25)] == datetime(2026, 10, 25, 8, 0, tzinfo=UTC)  # UTC+1
    assert all(s.end - s.start == timedelta(minutes=50) for s in slots)


def test_spring_forward_skips_wall_times_that_do_not_exist():
    day = date(2026, 3, 29)
    schedule = Schedule(
        (), exceptions=(DateException(day, ((time(1), time(4)),)),), horizon=timedelta(days=2)
    )
    now = datetime(2026, 3, 28, 0, 0, tzinfo=UTC)
    slots = free_slots(schedule, FIFTY, [], now)

    # 01:00 and 01:30 CET, then 03:00 CEST (02:00 and 02:30 do not exist); 03:30 + 50 min > 04:00.
    assert [s.start for s in slots] == [
        datetime(2026, 3, 29, 0, 0, tzinfo=UTC),
        datetime(2026, 3, 29, 0, 30, tzinfo=UTC),
        datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
    ]
    # 01:30 CET + 50 minutes of real time ends at 03:20 CEST on the wall clock.
    assert to_zone(slots[1], STOCKHOLM)[1].time() == time(3, 20)
    assert all(s.end - s.start == timedelta(minutes=50) for s in slots)


def test_opening_time_that_does_not_exist_opens_when_the_clocks_jump():
    day = date(2026, 3, 29)
    schedule = Schedule(
        (), exceptions=(DateException(day, ((time(2, 30), time(5)),)),), horizon=timedelta(days=2)
    )
    slots = free_slots(schedule, FIFTY, [], datetime(2026, 3, 28, 0, 0, tzinfo=UTC))

    # The grid is 02:30, 03:00, 03:30, ... on the wall clock; 02:30 does not exist and the
    # practice opens at 03:00 CEST (01:00 UTC), the moment the clocks jump.
    assert starts_on(slots, day) == [time(3), time(3, 30), time(4)]
    assert slots[0].start == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)


def test_fall_back_resolves_ambiguous_wall_times_to_the_first_occurrence():
    day = date(2026, 10, 25)
    schedule = Schedule(
        (), exceptions=(DateException(day, ((time(1), time(4)),)),), horizon=timedelta(days=2)
    )
    now = datetime(2026, 10, 24, 0, 0, tzinfo=UTC)
    slots = free_slots(schedule, FIFTY, [], now)

    # 01:00, 01:30, 02:00 and 02:30 CEST (fold=0), then 03:00 CET; 03:30 CET + 50 min > 04:00.
    assert [s.start for s in slots] == [
        datetime(2026, 10, 24, 23, 0, tzinfo=UTC),
        datetime(2026, 10, 24, 23, 30, tzinfo=UTC),
        datetime(2026, 10, 25, 0, 0, tzinfo=UTC),
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
        datetime(2026, 10, 25, 2, 0, tzinfo=UTC),
    ]
    assert all(s.end - s.start == timedelta(minutes=50) for s in slots)
    # 02:30 CEST + 50 minutes ends at 02:20 CET on the wall clock: real time, not wall time.
    assert to_zone(slots[3], STOCKHOLM)[1].time() == time(2, 20)
    # The second 02:00 (CET, 01:00 UTC) is not a start that is offered, nor bookable.
    second_two = datetime(2026, 10, 25, 1, 0, tzinfo=UTC)
    assert second_two.astimezone(STOCKHOLM).fold == 1
    assert not slot_is_free(schedule, FIFTY, [], now, second_two)
    assert slot_is_free(schedule, FIFTY, [], now, datetime(2026, 10, 25, 0, 0, tzinfo=UTC))


def test_slot_is_free_refuses_a_start_that_does_not_exist_or_is_off_the_grid():
    now = datetime(2026, 3, 28, 0, 0, tzinfo=UTC)
    schedule = Schedule(EVERY_DAY_9_TO_17, horizon=timedelta(days=2))

    assert slot_is_free(schedule, FIFTY, [], now, local(date(2026, 3, 29), 9))
    assert not slot_is_free(schedule, FIFTY, [], now, local(date(2026, 3, 29), 9, 10))
    assert not slot_is_free(schedule, FIFTY, [], now, local(date(2026, 3, 29), 16, 30))
    assert not slot_is_free(
        schedule, FIFTY, [], now, local(date(2026, 3, 29), 9) + timedelta(seconds=1)
    )


# --- another zone ----------------------------------------------------------------------------


def test_client_in_another_zone_sees_the_same_instants():
    new_york = ZoneInfo("America/New_York")
    now = datetime(2026, 3, 23, 0, 0, tzinfo=UTC)
    slots = free_slots(Schedule(WEEKDAYS_9_TO_17, horizon=timedelta(days=8)), FIFTY, [], now)

    start, end = to_zone(slots[0], new_york)
    # New York is already on summer time (8 March), Stockholm not yet: 5 hours apart, not 6.
    assert (start.tzinfo, start.hour, start.minute) == (new_york, 4, 0)
    assert end - start == timedelta(minutes=50)
    assert start == slots[0].start
    # After 29 March both are on summer time: 6 hours apart again.
    monday_after = next(s for s in slots if s.start.date() == date(2026, 3, 30))
    assert to_zone(monday_after, new_york)[0].hour == 3


def test_practice_in_another_zone_uses_its_own_wall_clock():
    new_york = ZoneInfo("America/New_York")
    schedule = Schedule(WEEKDAYS_9_TO_17, tz=new_york, horizon=timedelta(days=7))
    slots = free_slots(schedule, FIFTY, [], NOW)

    assert slots[0].start == datetime(2026, 11, 16, 14, 0, tzinfo=UTC)  # 09:00 EST
    assert starts_on(slots, MONDAY, new_york) == half_hours(time(9), time(16))


# --- offered == bookable ---------------------------------------------------------------------

ZONES = (STOCKHOLM, ZoneInfo("America/New_York"), ZoneInfo("Australia/Lord_Howe"))
STEP = timedelta(minutes=5)  # every input below is on this grid, so checking it is exhaustive


def _random_wall(rng: random.Random, low_hour: int, high_hour: int) -> time:
    return time(rng.randrange(low_hour, high_hour), rng.randrange(0, 60, 5))


def _random_case(rng: random.Random):
    tz = rng.choice(ZONES)
    # Bounds stay clear of 01:00-03:00, where these zones change their clocks; the DST tests
    # above pin down the behaviour there.
    rules = []
    for weekday in range(7):
        for _ in range(rng.randrange(0, 3)):
            start = _random_wall(rng, 3, 20)
            end = _random_wall(rng, start.hour + 1, 24)
            rules.append(OpeningRule(weekday, start, end))
        if rng.random() < 0.15:
            start = _random_wall(rng, 0, 1)
            rules.append(OpeningRule(weekday, start, _random_wall(rng, 3, 6)))  # across 02:00
    anchor = rng.choice(
        (date(2026, 3, 25), date(2026, 10, 1), date(2026, 10, 21), date(2026, 6, 1))
    )
    now = datetime.combine(anchor, time(0), tzinfo=UTC) + STEP * rng.randrange(0, 3 * 288)
    exceptions = []
    for offset in rng.sample(range(8), rng.randrange(0, 3)):
        day = (now + timedelta(days=offset)).astimezone(tz).date()
        if rng.random() < 0.5:
            exceptions.append(DateException(day))
        else:
            start = _random_wall(rng, 3, 18)
            exceptions.append(DateException(day, ((start, _random_wall(rng, start.hour + 1, 24)),)))
    schedule = Schedule(
        tuple(rules),
        exceptions=tuple(exceptions),
        tz=tz,
        notice=STEP * rng.randrange(0, 100),
        horizon=timedelta(days=rng.randrange(1, 8)),
    )
    service = Service(
        duration_minutes=rng.choice((30, 45, 50, 60, 90)),
        step_minutes=rng.choice((15, 30, 60, 50)),
        buffer_minutes=rng.choice((0, 0, 5, 10, 15)),
    )
    busy = []
    for _ in range(rng.randrange(0, 40)):
        start = now + STEP * rng.randrange(-50, 9 * 288)
        busy.append((start, start + STEP * rng.randrange(0, 30)))
    return schedule, service, busy, now


def _reference_is_offered(schedule, service, busy, now, start) -> bool:
    """The definition, checked directly and slowly, minute by five minutes."""
    tz = schedule.tz
    if not now + schedule.notice <= start <= now + schedule.horizon:
        return False
    wall = start.astimezone(tz)
    day = wall.date()
    if datetime.combine(day, wall.time(), tzinfo=tz).astimezone(UTC) != start:
        return False  # not the first occurrence of an ambiguous wall time
    exception = next((e for e in schedule.exceptions if e.day == day), None)
    if exception is not None:
        intervals = list(exception.intervals)
    else:
        intervals = [(r.start, r.end) for r in schedule.rules if r.weekday == day.weekday()]
    merged: list[list[time]] = []
    for s, e in sorted(intervals):
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])

    def minutes(t: time) -> int:
        return t.hour * 60 + t.minute

    end = start + service.duration
    for open_at, close_at in merged:
        since_open = minutes(wall.time()) - minutes(open_at)
        if since_open < 0 or since_open % service.step_minutes or wall.second or wall.microsecond:
            continue
        instant = start
        inside = True
        while instant < end:
            here = instant.astimezone(tz)
            if here.date() != day or not open_at <= here.time() < close_at:
                inside = False
                break
            instant += STEP
        if inside:
            break
    else:
        return False
    buffer = service.buffer
    return not any(
        b_start - buffer < b_end + buffer and b_start - buffer < end and b_end + buffer > start
        for b_start, b_end in busy
    )


def test_offered_slots_are_exactly_the_bookable_ones():
    rng = random.Random(20260329)
    for case in range(150):
        schedule, service, busy, now = _random_case(rng)
        offered = free_slots(schedule, service, busy, now)
        offered_starts = {s.start for s in offered}
        assert len(offered_starts) == len(offered), case
        assert offered == sorted(offered), case
        assert all(s.end - s.start == service.duration for s in offered), case

        for slot in offered:
            assert slot_is_free(schedule, service, busy, now, slot.start), (case, slot)

        # Every instant on the 5-minute grid of the window agrees with the plain definition.
        instant = now - timedelta(hours=1)
        grid = []
        while instant <= now + schedule.horizon + timedelta(hours=1):
            expected = _reference_is_offered(schedule, service, busy, now, instant)
            assert (instant in offered_starts) == expected, (case, instant)
            grid.append(instant)
            instant += STEP
        # ...and a sample of the starts not offered is refused by slot_is_free.
        refused = [i for i in grid if i not in offered_starts]
        for instant in rng.sample(refused, min(40, len(refused))):
            assert not slot_is_free(schedule, service, busy, now, instant), (case, instant)
        for slot in rng.sample(offered, min(5, len(offered))):
            odd = slot.start + timedelta(minutes=rng.choice((1, 7, 13)))
            assert not slot_is_free(schedule, service, busy, now, odd), (case, odd)


def test_slot_is_free_accepts_a_start_given_in_another_zone():
    slots = free_slots(one_week(), FIFTY, [], NOW)
    start_in_tokyo = slots[3].start.astimezone(ZoneInfo("Asia/Tokyo"))

    assert slot_is_free(one_week(), FIFTY, [], NOW, start_in_tokyo)


def test_eight_weeks_with_thousands_of_bookings_stays_consistent():
    rng = random.Random(5000)
    schedule = Schedule(WEEKDAYS_9_TO_17)
    service = Service(50, buffer_minutes=10)
    busy = []
    for _ in range(5000):
        start = NOW + timedelta(minutes=rng.randrange(0, 8 * 7 * 24 * 60 * 10))
        busy.append((start, start + timedelta(minutes=50)))
    slots = free_slots(schedule, service, busy, NOW)

    assert 0 < len(slots) < 8 * 5 * 15
    buffer = service.buffer
    for slot in slots:
        assert not any(
            b_start - buffer < slot.end and slot.start < b_end + buffer for b_start, b_end in busy
        )
