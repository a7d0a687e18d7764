"""The coach's overview and week calendar at scale: 5 000 bookings, 2 000 clients.

Generates 2 000 clients with 5 000 bookings, one an hour from 100 days ago on (168 a week, 24
today: far denser than a real practice), plus open rights requests, refund tasks, unanswered
messages and e-mail consultations waiting for a reply for the one list "Väntar på dig", then measures
on SQLite and PostgreSQL the overview (/staff/) and the week calendar (/staff/booking/calendar/),
rendered through the real views and templates, p50/p95 over repeated requests. Target p95 < 100 ms.

The baseline, in the same run: the same pages built the straightforward way (each booking's
client and service loaded one by one, every column), to show what the selectors' joins save.

    python bench/overview.py [--clients N] [--bookings N]
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    p95,
    print_table,
    run_per_database,
    scale_arguments,
    size,
    staff_request,
    timed,
    write_results,
)

TARGET_MS = 100
SAMPLES = size(60, 3)


def generate(clients: int, bookings: int) -> None:
    import datetime as dt
    from decimal import Decimal

    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from consonance.booking.models import Booking, Service
    from consonance.contact.models import Message
    from consonance.journal.models import Consultation
    from consonance.payments.models import Order, Refund
    from consonance.people.models import Person
    from consonance.rights.models import Request

    now = timezone.now()
    with transaction.atomic():
        video = Service.objects.create(
            name_sv="Videokonsultation", name_en="Video", price=Decimal("900"), duration_minutes=50
        )
        people = Person.objects.bulk_create(
            Person(email=f"p{i}@example.se", first_name=f"Förnamn{i}", last_name=f"E{i}")
            for i in range(clients)
        )
        start = now.replace(minute=0, second=0, microsecond=0) - dt.timedelta(days=100)
        rows = []
        for i in range(bookings):
            # One session an hour around the clock (one practitioner, one session at a time):
            # a far denser calendar than any real week, so the week pages carry their worst case.
            at = start + dt.timedelta(hours=i)
            state = "confirmed" if i % 10 else "cancelled"
            rows.append(
                Booking(
                    service=video,
                    person=people[i % clients],
                    starts_at=at,
                    ends_at=at + dt.timedelta(minutes=50),
                    state=state,
                    confirmed_at=at - dt.timedelta(days=3),
                    join_url="" if i % 7 == 0 else "https://video.example/rum",
                )
            )
        Booking.objects.bulk_create(rows, batch_size=1000)
        orders = Order.objects.bulk_create(
            Order(
                reference=f"R{i}",
                person=people[i],
                method="bankgiro",
                status="paid",
                description="x",
                amount=Decimal("900"),
                amount_paid=Decimal("900"),
                payer_name="x",
                payer_email=f"p{i}@example.se",
            )
            for i in range(20)
        )
        Refund.objects.bulk_create(
            Refund(order=o, amount=Decimal("900"), reason="cancelled", status="manual")
            for o in orders
        )
        Request.objects.bulk_create(
            Request(person=people[i], kind="access", due_at=now + dt.timedelta(days=i % 30))
            for i in range(50)
        )
        Message.objects.bulk_create(
            Message(
                person=people[i * 13 % clients],
                body_ciphertext=b"x",
                received_at=now - dt.timedelta(hours=i),
            )
            for i in range(60)
        )
        Consultation.objects.bulk_create(
            Consultation(
                person=people[i * 11 % clients],
                ends_at=now + dt.timedelta(days=20),
                awaiting_reply_since=now - dt.timedelta(days=i % 8),
            )
            for i in range(30)
        )
        get_user_model().objects.create_user("coach", is_staff=True, is_superuser=True)


def naive_pages():
    """The baseline: the same two pages with every booking's relations fetched one by one."""
    import datetime as dt

    from django.shortcuts import render
    from django.utils import timezone

    from consonance.booking.models import Booking
    from consonance.lib import overview
    from consonance.lib.time import STOCKHOLM

    def sessions(start, end):
        found = []
        for booking in Booking.objects.filter(starts_at__gte=start, starts_at__lt=end).order_by(
            "starts_at"
        ):
            if booking.state in ("confirmed", "held", "no_show"):
                booking.person.first_name  # noqa: B018 - the one-by-one load being measured
                booking.service.name_sv  # noqa: B018
                found.append(booking)
        return found

    def overview_page():
        now = timezone.now()
        today = now.astimezone(STOCKHOLM).date()
        midnight = dt.datetime.combine(today, dt.time(0), tzinfo=STOCKHOLM)
        return render(
            staff_request("/staff/"),
            "web/staff_home.html",
            {
                "today": today,
                "today_sessions": sessions(midnight, midnight + dt.timedelta(days=1)),
                "week_sessions": sessions(
                    midnight + dt.timedelta(days=1), midnight + dt.timedelta(days=7)
                ),
                "waiting": overview.waiting_items(overview.OverviewQuery(now=now))[:50],
            },
        )

    def week_page():
        now = timezone.now()
        monday = now.astimezone(STOCKHOLM).date()
        monday -= dt.timedelta(days=monday.weekday())
        start = dt.datetime.combine(monday, dt.time(0), tzinfo=STOCKHOLM)
        found = sessions(start, start + dt.timedelta(days=7))
        days = [
            (day, [b for b in found if b.starts_at.astimezone(STOCKHOLM).date() == day])
            for day in (monday + dt.timedelta(days=i) for i in range(7))
        ]
        return render(
            staff_request("/staff/booking/calendar/"), "booking/staff/week.html", {"days": days}
        )

    return overview_page, week_page


def measure() -> dict:
    from consonance.booking.staff_calendar import week
    from consonance.web.views import staff_home

    ours = {
        "overview": lambda: staff_home(staff_request("/staff/")),
        "week": lambda: week(staff_request("/staff/booking/calendar/")),
    }
    naive_overview, naive_week = naive_pages()
    baseline = {"overview": naive_overview, "week": naive_week}
    figures = {}
    for page in ("overview", "week"):
        for label, fn in (("ours", ours[page]), ("baseline", baseline[page])):
            assert fn().status_code == 200
            samples = timed(fn, SAMPLES)
            figures[f"{page}_{label}"] = {
                "p50_ms": round(statistics.median(samples) * 1000, 1),
                "p95_ms": round(p95(samples) * 1000, 1),
            }
    return figures


def child(args) -> None:
    from _common import setup_django

    setup_django(args.database_url)
    from consonance.booking.models import Booking

    generate(args.clients, args.bookings)
    result = {"bookings": Booking.objects.count(), **measure()}
    Path(args.json_out).write_text(json.dumps(result))


def main() -> None:
    args = scale_arguments(__doc__)
    if args.database_url:
        child(args)
        return
    results = run_per_database(__file__, "overview")
    rows = []
    for r in results:
        for page in ("overview", "week"):
            ours, base = r[f"{page}_ours"], r[f"{page}_baseline"]
            rows.append(
                [
                    r["database"],
                    page,
                    r["bookings"],
                    ours["p50_ms"],
                    ours["p95_ms"],
                    base["p95_ms"],
                    "yes" if ours["p95_ms"] < TARGET_MS else "NO",
                ]
            )
    print_table(
        ["database", "page", "bookings", "p50 ms", "p95 ms", "baseline p95 ms", f"p95<{TARGET_MS}"],
        rows,
    )
    write_results(
        "overview",
        {"clients": args.clients, "target_p95_ms": TARGET_MS, "results": results},
    )


if __name__ == "__main__":
    main()
