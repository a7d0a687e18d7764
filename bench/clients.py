"""The coach's client list and client card at scale: 2 000 clients, 5 000 bookings.

Generates the overview benchmark's practice (2 000 clients, 5 000 bookings one an hour from 100
days ago on, refunds to make, open requests, unanswered messages, e-mail consultations waiting
for a reply) plus an order for every other booking, handled requests, journal notes and
newsletter subscriptions. Then
measures on SQLite and PostgreSQL, through the real views and templates, p50/p95 over repeated
requests (target p95 < 100 ms):

- the client list: its first page, a page far down, and a search (POST) by name;
- a client's card (every app's section, the retention dates, the audit row it writes).

The baseline, in the same run: the list built the straightforward way, each client's bookings
loaded one by one to find her next and last session, then each shown client's open items asked
of every app one by one.

    python bench/clients.py [--clients N] [--bookings N]
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
from overview import generate as generate_practice

TARGET_MS = 100
SAMPLES = size(40, 3)
PAGES = ("list_first", "list_deep", "search", "card")


def generate(clients: int, bookings: int) -> None:
    """The overview benchmark's practice (bookings, refunds, requests, messages, consultations),
    plus an order for every other booking, handled requests, notes and subscriptions."""
    import datetime as dt
    from decimal import Decimal

    from django.db import transaction
    from django.utils import timezone

    from consonance.booking.models import Booking
    from consonance.journal.models import Note
    from consonance.newsletter.models import Subscription
    from consonance.payments.models import Order
    from consonance.people.models import Person
    from consonance.rights.models import Request

    generate_practice(clients, bookings)
    now = timezone.now()
    people = list(Person.objects.order_by("pk"))
    with transaction.atomic():
        paid = list(Booking.objects.order_by("pk")[::2])
        orders = Order.objects.bulk_create(
            Order(
                reference=f"B{booking.pk}",
                person_id=booking.person_id,
                method="card",
                status="paid",
                description="Videokonsultation",
                amount=Decimal("900"),
                amount_paid=Decimal("900"),
                payer_name="x",
                payer_email="x@example.se",
            )
            for booking in paid
        )
        for booking, order in zip(paid, orders, strict=True):
            booking.order = order
        Booking.objects.bulk_update(paid, ["order"], batch_size=1000)
        Request.objects.bulk_create(
            Request(
                person=people[i * 7 % clients],
                kind="access",
                deadline="rights-request",
                due_at=now - dt.timedelta(days=i),
                state="done",
            )
            for i in range(100)
        )
        Note.objects.bulk_create(
            Note(person=people[i % clients], body_ciphertext=b"x") for i in range(1000)
        )
        Subscription.objects.bulk_create(
            Subscription(person=people[i], confirmed_at=now) for i in range(0, clients, 4)
        )


def naive_list(page: int = 1):
    """The baseline: each client's bookings one by one, sorted in Python; each shown client's
    open items asked of every app one by one."""
    import datetime as dt

    from django.shortcuts import render
    from django.utils import timezone

    from consonance.contact.models import Message
    from consonance.journal.models import Consultation
    from consonance.payments.models import Refund
    from consonance.people import hooks as people_hooks
    from consonance.people.models import Person
    from consonance.rights.models import Request
    from consonance.web.clients import PER_PAGE, ClientPage, ClientRow

    now = timezone.now()
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    found = []
    for person in people_hooks.clients(Person.objects.all()):
        sessions = list(person.bookings.exclude(state__in=("cancelled", "expired")))
        ahead = [b for b in sessions if b.starts_at and b.starts_at >= now]
        done = [b.starts_at for b in sessions if b.starts_at and b.starts_at < now]
        person.next_at = min((b.starts_at for b in ahead), default=None)
        person.last_at = max(done, default=None)
        person.sessions = len(sessions)
        found.append((person, min(ahead, key=lambda b: b.starts_at, default=None)))
    found.sort(
        key=lambda pair: (
            pair[0].next_at or far,
            pair[0].last_at is None,
            -(pair[0].last_at or now).timestamp(),
        )
    )
    rows = []
    for person, upcoming in found[(page - 1) * PER_PAGE : page * PER_PAGE]:
        items = []
        for refund in Refund.objects.filter(order__person=person, status="manual"):
            items.append(people_hooks.OpenItem("Återbetalning att göra", refund.created_at))
        for request in Request.objects.filter(person=person, state="open"):
            items.append(people_hooks.OpenItem("Begäran", request.due_at))
        for consultation in Consultation.objects.filter(person=person, state="open"):
            if consultation.awaiting_reply_since:
                items.append(people_hooks.OpenItem("Mejlkonsultation", consultation.ends_at))
        if Message.objects.filter(person=person, replied_at__isnull=True).exists():
            items.append(people_hooks.OpenItem("Meddelande"))
        if upcoming is not None:
            upcoming.service.name_sv  # noqa: B018 - the one-by-one load being measured
        rows.append(ClientRow(person, upcoming, items))
    pages = max((len(found) + PER_PAGE - 1) // PER_PAGE, 1)
    page_found = ClientPage(rows, page, pages, len(found), "")
    return render(
        staff_request("/staff/web/clients/"), "web/staff_clients.html", {"found": page_found}
    )


def measure() -> dict:
    from consonance.booking.models import Booking
    from consonance.people.models import Person
    from consonance.web.staff_views import client, clients

    deep = Person.objects.count() // 50 // 2 or 1
    # A client with sessions, an order, a note and a request: a card with every section.
    busy = Booking.objects.filter(order__isnull=False).order_by("pk").first().person_id
    ours = {
        "list_first": lambda: clients(staff_request("/staff/web/clients/")),
        "list_deep": lambda: clients(staff_request(f"/staff/web/clients/?sida={deep}")),
        "search": lambda: clients(staff_request("/staff/web/clients/", {"q": "förnamn12"})),
        "card": lambda: client(staff_request(f"/staff/web/clients/{busy}/"), busy),
    }
    baseline = {"list_first": naive_list, "list_deep": lambda: naive_list(deep)}
    figures: dict[str, dict] = {}
    for page in PAGES:
        for label, fn in (("ours", ours[page]), ("baseline", baseline.get(page))):
            if fn is None:
                continue
            assert fn().status_code == 200
            samples = timed(fn, SAMPLES if label == "ours" else 5)
            figures[f"{page}_{label}"] = {
                "p50_ms": round(statistics.median(samples) * 1000, 1),
                "p95_ms": round(p95(samples) * 1000, 1),
            }
    return figures


def child(args) -> None:
    from _common import setup_django

    setup_django(args.database_url)
    from consonance.booking.models import Booking
    from consonance.people.models import Person

    generate(args.clients, args.bookings)
    result = {"clients": Person.objects.count(), "bookings": Booking.objects.count(), **measure()}
    Path(args.json_out).write_text(json.dumps(result))


def main() -> None:
    args = scale_arguments(__doc__)
    if args.database_url:
        child(args)
        return
    results = run_per_database(__file__, "clients")
    rows = []
    for r in results:
        for page in PAGES:
            ours, base = r[f"{page}_ours"], r.get(f"{page}_baseline")
            rows.append(
                [
                    r["database"],
                    page,
                    r["clients"],
                    r["bookings"],
                    ours["p50_ms"],
                    ours["p95_ms"],
                    base["p95_ms"] if base else "–",
                    "yes" if ours["p95_ms"] < TARGET_MS else "NO",
                ]
            )
    print_table(
        [
            "database",
            "page",
            "clients",
            "bookings",
            "p50 ms",
            "p95 ms",
            "baseline p95 ms",
            f"p95<{TARGET_MS}",
        ],
        rows,
    )
    write_results(
        "clients",
        {"clients": args.clients, "target_p95_ms": TARGET_MS, "results": results},
    )


if __name__ == "__main__":
    main()
