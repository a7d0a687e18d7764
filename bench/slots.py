"""Benchmark: free booking slots over 8 weeks with 5 000 existing busy intervals.

Run from the repository root: .venv/bin/python bench/slots.py
Prints a small table and writes bench/results/slots.json. No Django setup is needed:
consonance.booking.availability is pure Python.
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import time as clock
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _common import size, smoke  # noqa: E402

from consonance.booking.availability import (  # noqa: E402
    OpeningRule,
    Schedule,
    Service,
    free_slots,
    slot_is_free,
)

NAME = "slots"
TARGET_MS = 50
SEED = 20260329
BUSY_COUNT = 5_000
WEEKS = 8
RUNS = size(200, 5)
WARMUP = size(5, 1)

NOW = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)  # 8 weeks across the March DST change
SCHEDULE = Schedule(
    rules=tuple(
        OpeningRule(weekday, start, end)
        for weekday in range(5)
        for start, end in ((time(8), time(12)), (time(13), time(19)))
    ),
    notice=timedelta(hours=24),
    horizon=timedelta(weeks=WEEKS),
)
SERVICE = Service(duration_minutes=50, step_minutes=30, buffer_minutes=10)


def random_busy(count: int, rng: random.Random) -> list[tuple[datetime, datetime]]:
    """Unsorted, possibly overlapping intervals over the horizon: sessions and short holds."""
    minutes = WEEKS * 7 * 24 * 60
    busy = []
    for _ in range(count):
        start = NOW + timedelta(minutes=rng.randrange(0, minutes, 5))
        busy.append((start, start + timedelta(minutes=rng.choice((15, 30, 50, 50, 50, 90)))))
    return busy


def time_ms(function, runs: int) -> list[float]:
    for _ in range(WARMUP):
        function()
    samples = []
    for _ in range(runs):
        started = clock.perf_counter_ns()
        function()
        samples.append((clock.perf_counter_ns() - started) / 1e6)
    return samples


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[94]


def main() -> int:
    rng = random.Random(SEED)
    busy = random_busy(BUSY_COUNT, rng)
    light = random_busy(200, random.Random(SEED + 1))

    full = time_ms(lambda: free_slots(SCHEDULE, SERVICE, busy, NOW), RUNS)
    empty = time_ms(lambda: free_slots(SCHEDULE, SERVICE, [], NOW), RUNS)
    some = time_ms(lambda: free_slots(SCHEDULE, SERVICE, light, NOW), RUNS)
    offered = free_slots(SCHEDULE, SERVICE, light, NOW)
    probe = offered[len(offered) // 2].start
    recheck = time_ms(lambda: slot_is_free(SCHEDULE, SERVICE, busy, NOW, probe), RUNS)
    free_count = len(free_slots(SCHEDULE, SERVICE, busy, NOW))

    median_ms = statistics.median(full)
    p95_ms = p95(full)
    met = p95_ms < TARGET_MS

    rows = [
        (f"free_slots, {WEEKS} weeks, {BUSY_COUNT} busy", full),
        (f"free_slots, {WEEKS} weeks, 200 busy", some),
        (f"free_slots, {WEEKS} weeks, no busy", empty),
        (f"slot_is_free, {BUSY_COUNT} busy", recheck),
    ]
    print(f"{'case':<36} {'median ms':>10} {'p95 ms':>8}")
    for label, samples in rows:
        print(f"{label:<36} {statistics.median(samples):>10.2f} {p95(samples):>8.2f}")
    print(f"target {TARGET_MS} ms (p95 of the first row): met {'yes' if met else 'no'}")

    result = {
        "name": NAME,
        "target_ms": TARGET_MS,
        "median_ms": round(median_ms, 3),
        "p95_ms": round(p95_ms, 3),
        "met": met,
        "params": {
            "busy_intervals": BUSY_COUNT,
            "weeks": WEEKS,
            "runs": RUNS,
            "seed": SEED,
            "now": NOW.isoformat(),
            "tz": str(SCHEDULE.tz),
            "opening": "Mon-Fri 08:00-12:00, 13:00-19:00",
            "duration_minutes": SERVICE.duration_minutes,
            "step_minutes": SERVICE.step_minutes,
            "buffer_minutes": SERVICE.buffer_minutes,
            "notice_hours": SCHEDULE.notice / timedelta(hours=1),
            "free_slots_found": free_count,
            "python": sys.version.split()[0],
        },
    }
    out = ROOT / ("var/bench_smoke" if smoke() else "bench/results") / f"{NAME}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out.relative_to(ROOT)}")
    return 0 if met or smoke() else 1


if __name__ == "__main__":
    sys.exit(main())
