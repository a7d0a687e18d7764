"""Free slots over 8 weeks with 5 000 existing bookings loaded from the database.

Unlike bench/slots.py (the pure computation), the measured figure here is the whole selector the
booking page calls: load the schedule, the days off and the busy bookings of the window from the
database, then compute. Target (issue 3): < 50 ms. Runs on SQLite and, when it answers, on
PostgreSQL.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import p95, print_table, run_per_database, size, write_results

BOOKINGS = size(5_000, 50)
WEEKS = 8
RUNS = size(50, 3)
TARGET_MS = 50.0


def measure(url: str) -> dict:
    from _common import setup_django, timed

    setup_django(url)
    from datetime import UTC, datetime, time, timedelta
    from decimal import Decimal

    from consonance.booking import selectors
    from consonance.booking.models import Booking, OpeningHours, PracticeSettings, Service
    from consonance.people.models import Person

    now = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)  # 8 weeks across the March DST change
    PracticeSettings.objects.update_or_create(
        pk=1,
        defaults={"buffer_minutes": 10, "step_minutes": 30, "notice_hours": 24, "horizon_days": 56},
    )
    for weekday in range(5):
        OpeningHours.objects.create(weekday=weekday, start=time(8), end=time(12))
        OpeningHours.objects.create(weekday=weekday, start=time(13), end=time(19))
    service = Service.objects.create(
        name_sv="Video", name_en="Video", duration_minutes=50, price=Decimal(900)
    )
    people = Person.objects.bulk_create(
        Person(email=f"bench{i}@example.se", first_name="B", last_name="P") for i in range(100)
    )
    rng = random.Random(20260329)
    minutes = WEEKS * 7 * 24 * 60
    starts = rng.sample(range(0, minutes, 5), BOOKINGS)  # distinct starts (the constraint)
    Booking.objects.bulk_create(
        (
            Booking(
                service=service,
                person=people[i % len(people)],
                starts_at=now + timedelta(minutes=m),
                ends_at=now + timedelta(minutes=m + rng.choice((15, 30, 50, 50, 90))),
                state=Booking.State.CONFIRMED,
            )
            for i, m in enumerate(starts)
        ),
        batch_size=1000,
    )
    found = len(selectors.free_slots(service, now=now))
    samples = [s * 1000 for s in timed(lambda: selectors.free_slots(service, now=now), RUNS)]
    return {
        "bookings": BOOKINGS,
        "weeks": WEEKS,
        "runs": RUNS,
        "free_slots_found": found,
        "median_ms": round(statistics.median(samples), 2),
        "p95_ms": round(p95(samples), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url")
    parser.add_argument("--json-out")
    args = parser.parse_args()
    if args.database_url:
        Path(args.json_out).write_text(json.dumps(measure(args.database_url)))
        return
    results = run_per_database(__file__, "slots_db")
    for r in results:
        r["met"] = r["p95_ms"] < TARGET_MS
    print_table(
        ["database", "bookings", "free slots", "median ms", "p95 ms", f"target < {TARGET_MS:g} ms"],
        [
            [
                r["database"],
                r["bookings"],
                r["free_slots_found"],
                r["median_ms"],
                r["p95_ms"],
                "met" if r["met"] else "MISSED",
            ]
            for r in results
        ],
    )
    write_results("slots_db", {"target_ms": TARGET_MS, "results": results})


if __name__ == "__main__":
    main()
