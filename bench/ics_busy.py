"""Reading the coach's own calendar: 2 000 events, served over HTTP on loopback.

The measured figure is one whole `busy.calendar_read` as the worker runs it every 15 minutes:
fetch the ICS file, parse it (icalendar), expand recurrences and time zones over the booking
window (recurring-ical-events) and replace the calendar's busy times in the database. The
calendar: 1 850 single events in Stockholm time, 100 weekly recurring ones with an EXDATE each,
50 all-day events (a fifth of the single events marked free, TRANSP:TRANSPARENT). Its phases are
timed too (fetch, parse and expand, store). Then, as a baseline in the same run, the booking
page's `free_slots` with and without those busy times. Runs on SQLite and, when it answers, on
PostgreSQL. Target: < 5 s for a read (it runs in the worker, every 15 minutes, and once while
she waits when she adds a calendar); the parse by icalendar is most of it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import print_table, run_per_database, size, write_results

EVENTS = size(2_000, 200)
RUNS = size(7, 1)
TARGET_S = 5.0
NOW = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)


def calendar_file(now: datetime, events: int = EVENTS) -> bytes:
    """A private calendar of `events` events over the eight weeks from `now`."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Bench//Own calendar//SV"]
    weekly, all_day = 100, 50
    single = events - weekly - all_day
    start = now.replace(hour=0, minute=0)

    def event(uid: str, body: list[str]) -> None:
        lines.extend(["BEGIN:VEVENT", f"UID:{uid}@bench", "DTSTAMP:20260301T000000Z", *body])
        lines.extend(["SUMMARY:Privat möte", "DESCRIPTION:Inget som sparas", "END:VEVENT"])

    for i in range(single):
        at = start + timedelta(minutes=37 * i)  # spread over ~7 weeks, day and night
        local = f"{at:%Y%m%dT%H%M}00"
        body = [f"DTSTART;TZID=Europe/Stockholm:{local}", "DURATION:PT45M"]
        if i % 5 == 0:
            body.append("TRANSP:TRANSPARENT")
        event(f"single-{i}", body)
    for i in range(weekly):
        at = start + timedelta(days=i % 7, hours=7 + i % 10)
        skipped = at + timedelta(weeks=2)
        event(
            f"weekly-{i}",
            [
                f"DTSTART;TZID=Europe/Stockholm:{at:%Y%m%dT%H%M}00",
                f"DTEND;TZID=Europe/Stockholm:{at + timedelta(hours=1):%Y%m%dT%H%M}00",
                "RRULE:FREQ=WEEKLY;COUNT=8",
                f"EXDATE;TZID=Europe/Stockholm:{skipped:%Y%m%dT%H%M}00",
            ],
        )
    for i in range(all_day):
        day = (start + timedelta(days=i)).date()
        event(
            f"allday-{i}",
            [
                f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
                f"DTEND;VALUE=DATE:{day + timedelta(days=1):%Y%m%d}",
            ],
        )
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode()


def _serve(body: bytes) -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/calendar")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/private/basic.ics"


def _ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 1)


def measure(url: str) -> dict:
    from _common import setup_django, timed

    setup_django(url)
    from datetime import time
    from decimal import Decimal

    import time_machine

    from consonance.booking import busy, selectors
    from consonance.booking.models import BusyTime, OpeningHours, PracticeSettings, Service

    PracticeSettings.objects.update_or_create(pk=1, defaults={"horizon_days": 56})
    for weekday in range(5):
        OpeningHours.objects.create(weekday=weekday, start=time(8), end=time(18))
    service = Service.objects.create(
        name_sv="Video", name_en="Video", duration_minutes=50, price=Decimal(900)
    )
    body = calendar_file(NOW)
    server, address = _serve(body)
    try:
        with time_machine.travel(NOW, tick=True):
            calendar = busy.calendar_add(address=address, label="bench", actor="bench")
            start, end = busy.read_window(NOW)
            reads = timed(lambda: busy.calendar_read(calendar_id=calendar.pk, now=NOW), RUNS)
            fetches = timed(lambda: busy.fetch(address), RUNS)
            parses = timed(lambda: busy.spans_between(body, start, end), RUNS)
            stored = BusyTime.objects.count()
            with_busy = timed(lambda: selectors.free_slots(service, now=NOW), RUNS)
            offered = len(selectors.free_slots(service, now=NOW))
            BusyTime.objects.all().delete()
            without = timed(lambda: selectors.free_slots(service, now=NOW), RUNS)
            offered_without = len(selectors.free_slots(service, now=NOW))
    finally:
        server.shutdown()
    return {
        "events": EVENTS,
        "file_kb": round(len(body) / 1024),
        "times_stored": stored,
        "runs": RUNS,
        "read_median_ms": _ms(reads),
        "read_max_ms": round(max(reads) * 1000, 1),
        "fetch_median_ms": _ms(fetches),
        "parse_expand_median_ms": _ms(parses),
        "free_slots_with_busy_ms": _ms(with_busy),
        "free_slots_without_busy_ms": _ms(without),
        "slots_offered_with_busy": offered,
        "slots_offered_without_busy": offered_without,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url")
    parser.add_argument("--json-out")
    args = parser.parse_args()
    if args.database_url:
        Path(args.json_out).write_text(json.dumps(measure(args.database_url)))
        return
    results = run_per_database(__file__, "ics_busy")
    for r in results:
        r["met"] = r["read_median_ms"] / 1000 < TARGET_S
    print_table(
        [
            "database",
            "events",
            "stored",
            "read ms (median)",
            "fetch ms",
            "parse+expand ms",
            "slots ms with / without",
            f"target < {TARGET_S:g} s",
        ],
        [
            [
                r["database"],
                r["events"],
                r["times_stored"],
                r["read_median_ms"],
                r["fetch_median_ms"],
                r["parse_expand_median_ms"],
                f"{r['free_slots_with_busy_ms']} / {r['free_slots_without_busy_ms']}",
                "met" if r["met"] else "MISSED",
            ]
            for r in results
        ],
    )
    write_results("ics_busy", {"target_s": TARGET_S, "results": results})


if __name__ == "__main__":
    main()
