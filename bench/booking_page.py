"""The booking page under 20 concurrent users (locust, headless) on SQLite.

Starts gunicorn on a free port on 127.0.0.1 against a fresh SQLite database with a practice,
two services and 1 000 existing bookings in the coming 8 weeks, runs locust for a fixed time with
20 users, and reports the p95 response time. Target (issue 3): p95 < 200 ms on SQLite.
"""

from __future__ import annotations

import argparse
import csv
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, fresh_database, print_table, size, smoke, write_results

USERS = size(20, 2)
DURATION = "2s" if smoke() else "20s"
TARGET_MS = 200.0
BOOKINGS = size(1_000, 20)
DB_URL = (
    f"sqlite:///{ROOT / 'var' / ('bench_smoke' if smoke() else '') / 'bench_booking_page.sqlite3'}"
)
BIN = Path(sys.executable).parent


def populate(url: str) -> int:
    """In its own process (Django is configured once): schema and data. Returns the service id."""
    from _common import setup_django

    setup_django(url)
    import random
    from datetime import time as wall
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from consonance.booking.models import Booking, OpeningHours, PracticeSettings, Service
    from consonance.people.models import Person

    PracticeSettings.load()
    for weekday in range(5):
        OpeningHours.objects.create(weekday=weekday, start=wall(8), end=wall(12))
        OpeningHours.objects.create(weekday=weekday, start=wall(13), end=wall(19))
    service = Service.objects.create(
        name_sv="Videokonsultation", name_en="Video", duration_minutes=50, price=Decimal(900)
    )
    Service.objects.create(
        name_sv="E-post", name_en="E-mail", kind="email", duration_minutes=30, price=Decimal(1500)
    )
    people = Person.objects.bulk_create(
        Person(email=f"bench{i}@example.se", first_name="B", last_name="P") for i in range(200)
    )
    rng = random.Random(3)
    now = timezone.now()
    starts = rng.sample(range(0, 8 * 7 * 24 * 60, 5), BOOKINGS)
    Booking.objects.bulk_create(
        Booking(
            service=service,
            person=people[i % len(people)],
            starts_at=now + timedelta(minutes=m),
            ends_at=now + timedelta(minutes=m + 50),
            state="confirmed",
        )
        for i, m in enumerate(starts)
    )
    return service.pk


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the server did not start")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--populate", action="store_true")
    args = parser.parse_args()
    if args.populate:
        print(populate(DB_URL))
        return
    fresh_database(DB_URL)
    env = {
        **os.environ,
        "DATABASE_URL": DB_URL,
        "CONSONANCE_DEBUG": "1",
        "CONSONANCE_LOG_LEVEL": "WARNING",
    }
    for name in list(env):
        if name.startswith(("CONSONANCE_STRIPE", "CONSONANCE_PAYPAL", "CONSONANCE_SWISH")):
            del env[name]
    service_id = subprocess.run(
        [sys.executable, __file__, "--populate"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()[-1]
    port = free_port()
    host = f"http://127.0.0.1:{port}"
    workers = str(min(4, os.cpu_count() or 1))
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "consonance.wsgi:application",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            workers,
            "--threads",
            "2",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    out = ROOT / "var" / "bench_booking_page"
    try:
        wait_ready(f"{host}/boka/")
        subprocess.run(
            [
                str(BIN / "locust"),
                "-f",
                str(ROOT / "bench" / "_booking_page_locust.py"),
                "--headless",
                "-u",
                str(USERS),
                "-r",
                str(USERS),
                "-t",
                DURATION,
                "--host",
                host,
                "--csv",
                str(out),
                "--only-summary",
                "--loglevel",
                "WARNING",
                "--stop-timeout",
                "5",
            ],
            cwd=ROOT,
            env={**env, "BENCH_SERVICE_ID": service_id},
            check=False,
            timeout=120,
        )
    finally:
        server.terminate()
        server.wait(timeout=20)
    with open(f"{out}_stats.csv", encoding="utf-8") as stats:
        rows = list(csv.DictReader(stats))
    results = [
        {
            "name": row["Name"],
            "requests": int(row["Request Count"]),
            "failures": int(row["Failure Count"]),
            "median_ms": float(row["50%"]),
            "p95_ms": float(row["95%"]),
            "rps": round(float(row["Requests/s"]), 1),
        }
        for row in rows
    ]
    total = next(r for r in results if r["name"] == "Aggregated")
    met = total["p95_ms"] < TARGET_MS and total["failures"] == 0
    print_table(
        ["request", "count", "failures", "median ms", "p95 ms", "req/s"],
        [
            [r["name"], r["requests"], r["failures"], r["median_ms"], r["p95_ms"], r["rps"]]
            for r in results
        ],
    )
    print(
        f"target p95 < {TARGET_MS:g} ms with {USERS} users on SQLite: {'met' if met else 'MISSED'}"
    )
    write_results(
        "booking_page",
        {
            "target_ms": TARGET_MS,
            "users": USERS,
            "duration": DURATION,
            "database": "sqlite",
            "gunicorn_workers": int(workers),
            "existing_bookings": BOOKINGS,
            "met": met,
            "results": results,
        },
    )


if __name__ == "__main__":
    main()
