"""Every staff list page with a year of a busy one-person practice: p50/p95 and query count.

The practice: `consonance demo` (the coach with her second factor, and every kind of row once),
then a year on top of it, in bulk: 2 000 clients and 5 000 bookings (fourteen a day, every day,
from eleven months ago to five weeks ahead; one in ten cancelled and refunded, a few no-shows),
an order per booking with its events and billing details for Bankgiro, the sale and fee vouchers
of every payment and the refunds' vouchers, daily Stripe payouts and monthly PayPal withdrawals,
weekly BgMax files with their deposits and payments, a journal note per session held, e-mail
consultations, contact messages, rights requests, newsletter subscribers and two campaigns a month
with their deliveries, the outbox's confirmations, receipts and reminders, audit events and a
retention run a day.

The pages: every URL pattern under /staff/<app label>/ (README, "Staff addresses") that takes no
argument and answers 200 to a GET, found by walking the URLconf, so a list page added tomorrow is
measured the day it lands. The coach signs in as the tests do (password, then her TOTP code) with
Django's test client; each page is fetched WARMUP times, then SAMPLES times (a paginator's first
page). Per page: p50, p95, queries per request, and whether p95 < 100 ms (issue 23, item 5).

    python bench/staff_pages.py [--clients N] [--bookings N] [--samples N] [--page PATH ...]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import p95, print_table, run_per_database, size, write_results

TARGET_MS = 100
WARMUP = 3
DEMO_PASSWORD = "consonance-demo"  # the demo's published staff password (web/demo, people/demo)
# GETs that are not list pages even though they take no argument: the sign-in door and the
# actions (a 302 or a 405 would drop them anyway; naming them keeps a GET from acting).
NOT_PAGES = {"staff/logout/", "staff/login/", "staff/verify/", "staff/enrol/"}


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--clients", type=int, default=size(2000, 60))
    parser.add_argument("--bookings", type=int, default=size(5000, 150))
    parser.add_argument("--samples", type=int, default=size(30, 2))
    parser.add_argument("--page", action="append", default=[], help="only these paths")
    parser.add_argument("--database-url")
    parser.add_argument("--json-out")
    parser.add_argument(
        "--reuse", action="store_true", help="keep an already generated database (child only)"
    )
    return parser.parse_args()


# ------------------------------------------------------------------------------------------------
# A year of the practice
# ------------------------------------------------------------------------------------------------
def generate(clients: int, bookings: int) -> dict[str, int]:
    from io import StringIO

    from django.core.management import call_command
    from django.db import connection, transaction

    call_command("demo", stdout=StringIO())
    with transaction.atomic():
        people = _people(clients)
        year = _bookings_and_orders(people, bookings)
        _books(year)
        _bankgiro(year)
        _journal(people, year)
        _contact_rights_newsletter(people)
        _outbox(year)
        _retention_runs()
    _audit(people)
    with connection.cursor() as cursor:
        # Statistics as autovacuum would have them after such a load (bench/reconciliation.py).
        cursor.execute("ANALYZE")
    from django.apps import apps

    return {
        m._meta.label: m.objects.count()
        for m in apps.get_models()
        if m._meta.app_label
        in {"people", "booking", "payments", "bankgiro", "bookkeeping", "journal", "contact"}
        | {"newsletter", "rights", "mail", "audit", "privacy"}
    }


def _people(n: int) -> list:
    from consonance.people.models import Person

    start = _now() - dt.timedelta(days=365)
    return Person.objects.bulk_create(
        (
            Person(
                email=f"klient{i}@example.se",
                first_name=f"Förnamn{i}",
                last_name=f"Efternamn{i}",
                language="en" if i % 9 == 0 else "sv",
                created_at=start + dt.timedelta(minutes=i * 260),
                last_contact_at=start + dt.timedelta(minutes=i * 260),
            )
            for i in range(n)
        ),
        batch_size=1000,
    )


def _now() -> dt.datetime:
    from django.utils import timezone

    return timezone.now().replace(minute=0, second=0, microsecond=0)


class Year:
    """What the bookings' pass made, for the passes after it."""

    def __init__(self) -> None:
        self.orders: list = []  # (order, provider, day, refunded)
        self.sessions: list = []  # bookings held (past, confirmed or completed)


def _bookings_and_orders(people: list, n: int) -> Year:
    from consonance.booking.models import Booking, Service
    from consonance.lib.time import STOCKHOLM
    from consonance.payments.models import BillingDetails, Order, OrderEvent, Refund

    service = Service.objects.filter(kind="video").order_by("pk").first() or Service.objects.first()
    now = _now()
    first_day = (now - dt.timedelta(days=330)).astimezone(STOCKHOLM).date()
    per_day = 14  # 08:00 to 21:00, every day: a busy practice's year in 5 000 sessions
    methods = ["card"] * 14 + ["swish"] * 3 + ["bankgiro"] * 2 + ["paypal"]
    provider = {"card": "stripe", "swish": "swish", "bankgiro": "bankgiro", "paypal": "paypal"}
    year, rows, orders, cancelled = Year(), [], [], set()
    for i in range(n):
        day = first_day + dt.timedelta(days=i // per_day)
        # Five past the hour: never on a demo session's start (one active booking per start).
        starts = dt.datetime.combine(day, dt.time(8 + i % per_day, 5), tzinfo=STOCKHOLM)
        person = people[(i * 7919) % len(people)]
        method = methods[i % len(methods)]
        past = starts < now
        state = (
            "cancelled"
            if i % 10 == 3
            else "no_show"
            if i % 97 == 5 and past
            else "completed"
            if past and i % 3
            else "confirmed"
        )
        booked = starts - dt.timedelta(days=3 + i % 20)
        orders.append(
            Order(
                reference=f"CC-Y{i:06d}",
                person=person,
                created_at=booked,
                method=method,
                status="refunded" if state == "cancelled" else "paid",
                description=service.name_sv,
                amount=service.price,
                amount_paid=service.price,
                amount_refunded=service.price if state == "cancelled" else 0,
                vat_rate=Decimal("25.00"),
                payer_name=f"Förnamn{i % len(people)} Efternamn",
                payer_email=f"klient{i % len(people)}@example.se",
                card_last4="4242" if method == "card" else "",
                provider_ref=f"pi_{i}" if method == "card" else "",
                ocr_reference=f"{1000000 + i}" if method == "bankgiro" else None,
                due_date=booked.date() + dt.timedelta(days=10) if method == "bankgiro" else None,
            )
        )
        rows.append(
            Booking(
                service=service,
                person=person,
                created_at=booked,
                starts_at=starts,
                ends_at=starts + dt.timedelta(minutes=service.duration_minutes),
                state=state,
                confirmed_at=booked + dt.timedelta(minutes=5),
                cancelled_at=starts - dt.timedelta(days=1) if state == "cancelled" else None,
                completed_at=starts + dt.timedelta(hours=1) if state == "completed" else None,
                language=person.language,
                join_url="https://video.example/rum",
                confirmation_sent_at=booked + dt.timedelta(minutes=6),
                reminder_sent_at=starts - dt.timedelta(days=1) if past else None,
            )
        )
        if state == "cancelled":
            cancelled.add(i)
    orders = Order.objects.bulk_create(orders, batch_size=1000)
    for booking, order in zip(rows, orders, strict=True):
        booking.order = order
    rows = Booking.objects.bulk_create(rows, batch_size=1000)
    events, refunds, billing = [], [], []
    for i, (booking, order) in enumerate(zip(rows, orders, strict=True)):
        paid_at = order.created_at + dt.timedelta(minutes=4)
        events += [
            OrderEvent(order=order, at=order.created_at, kind="created"),
            OrderEvent(
                order=order,
                at=paid_at,
                kind="paid",
                amount=order.amount,
                provider=provider[order.method],
                provider_event_id=f"evt_{i}",
            ),
        ]
        refunded = i in cancelled
        if refunded:
            # The last few still wait for the coach (a manual refund to make).
            manual = i > len(rows) - 300 and order.method == "bankgiro"
            refunds.append(
                Refund(
                    order=order,
                    created_at=booking.cancelled_at,
                    amount=order.amount,
                    status="manual" if manual else "done",
                    reason="cancelled",
                    completed_at=None if manual else booking.cancelled_at,
                    completed_by="" if manual else "system",
                )
            )
            events.append(
                OrderEvent(
                    order=order,
                    at=booking.cancelled_at,
                    kind="refunded",
                    amount=order.amount,
                    provider=provider[order.method],
                )
            )
        if order.method in ("swish", "bankgiro"):
            billing.append(
                BillingDetails(
                    order=order,
                    person_id=order.person_id,
                    collected_at=order.created_at,
                    first_name="Förnamn",
                    last_name="Efternamn",
                    email=order.payer_email,
                    street_address="Storgatan 1",
                    postal_code="11122",
                    city="Stockholm",
                )
            )
        day = paid_at.astimezone(STOCKHOLM).date()
        year.orders.append((order, provider[order.method], day, refunded))
        if booking.state in ("completed", "no_show"):
            year.sessions.append(booking)
    OrderEvent.objects.bulk_create(events, batch_size=2000)
    Refund.objects.bulk_create(refunds, batch_size=1000)
    BillingDetails.objects.bulk_create(billing, batch_size=1000)
    return year


def _books(year: Year) -> None:
    """The vouchers of the year: each payment's sale, the card and PayPal fees, each refund, the
    payouts; numbered in a block per fiscal year after the demo's, as the services number them."""
    from consonance.bookkeeping.fiscal import fiscal_year_for
    from consonance.bookkeeping.models import Voucher, VoucherRow
    from consonance.bookkeeping.services import numbers_block
    from consonance.payments.models import Payout

    fees = {"stripe": Decimal("15.30"), "paypal": Decimal("33.85"), "swish": Decimal("2.00")}
    money = {"bankgiro": "1930", "swish": "1930"}
    specs: list = []  # (day, kind, provider, rows, order, amount)
    held: dict[dt.date, Decimal] = {}
    paypal: dict[tuple[int, int], Decimal] = {}
    for order, provider, day, refunded in year.orders:
        gross = order.amount
        vat = (gross * Decimal("0.2")).quantize(Decimal("0.01"))
        account = money.get(provider, "1580")
        sale = [(account, gross), ("3001", vat - gross), ("2611", -vat)]
        specs.append((day, "payment", provider, sale, order, gross))
        fee = fees.get(provider)
        if fee:
            specs.append((day, "fee", provider, [("6040", fee), (account, -fee)], order, fee))
        if refunded:
            back = [("3001", gross - vat), ("2611", vat), (account, -gross)]
            specs.append((day, "refund", provider, back, order, gross))
        net = gross - (fee or 0) - (gross if refunded else 0)
        if provider == "stripe":
            held[day] = held.get(day, Decimal(0)) + net
        elif provider == "paypal":
            paypal[(day.year, day.month)] = paypal.get((day.year, day.month), Decimal(0)) + net
    # Stripe pays out a week after each day's takings, PayPal when she withdraws at month's end.
    arrivals = [
        ("stripe", day + dt.timedelta(days=7), f"po_{day}", "system", amount)
        for day, amount in sorted(held.items())
    ] + [
        ("paypal", dt.date(y, m, 28), f"uttag:{y}-{m}", "staff:1", amount)
        for (y, m), amount in sorted(paypal.items())
    ]
    payouts = []
    for provider, arrived, ref, by, amount in arrivals:
        if arrived > _now().date() or amount <= 0:
            continue
        payouts.append(
            Payout(
                provider=provider,
                provider_ref=ref,
                amount=amount,
                arrived_on=arrived,
                recorded_by=by,
            )
        )
        specs.append(
            (arrived, "transfer", provider, [("1930", amount), ("1580", -amount)], None, amount)
        )
    Payout.objects.bulk_create(payouts)
    by_year: dict = {}
    for spec in specs:
        by_year.setdefault(fiscal_year_for(spec[0]), []).append(spec)
    vouchers, lines = [], []
    for fiscal, chunk in by_year.items():
        chunk.sort(key=lambda s: s[0])
        number = numbers_block(series="A", fiscal_year_start=fiscal.start, count=len(chunk))
        for offset, (day, kind, provider, rows, order, amount) in enumerate(chunk):
            vouchers.append(
                Voucher(
                    series="A",
                    number=number + offset,
                    date=day,
                    description=f"{kind} {order.reference if order else provider}",
                    amount=amount,
                    payer_name=order.payer_name if order else "",
                    order_reference=order.reference if order else "",
                    person_id=order.person_id if order else None,
                    order=order,
                    kind=kind,
                    created_at=dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC),
                    registered_on=day,
                    fiscal_year_start=fiscal.start,
                    fiscal_year_end=fiscal.end,
                    vat_rate=Decimal("25.00") if kind in ("payment", "refund") else 0,
                    vat_amount=-rows[2][1] if kind == "payment" else 0,
                    method={"stripe": "card"}.get(provider, provider),
                    provider=provider,
                    source=f"year:{kind}:{order.reference if order else day}:{offset}",
                    created_by="system",
                )
            )
            lines.append(rows)
    saved = Voucher.objects.bulk_create(vouchers, batch_size=1000)
    VoucherRow.objects.bulk_create(
        (
            VoucherRow(voucher=v, position=p, account=a, amount=m)
            for v, rows in zip(saved, lines, strict=True)
            for p, (a, m) in enumerate(rows, start=1)
        ),
        batch_size=2000,
    )


def _bankgiro(year: Year) -> None:
    """A BgMax file a week, a deposit a day with that day's Bankgiro payments."""
    from consonance.payments.bankgiro.models import BankDeposit, BankPayment, ImportedFile

    days: dict[dt.date, list] = {}
    for order, provider, day, _refunded in year.orders:
        if provider == "bankgiro" and day <= _now().date():
            days.setdefault(day, []).append(order)
    files: dict[tuple[int, int], ImportedFile] = {}
    payments = []
    for serial, (day, orders) in enumerate(sorted(days.items()), start=1):
        week = day.isocalendar()[:2]
        if week not in files:
            files[week] = ImportedFile.objects.create(
                sha256=f"{len(files) + 1:064x}",
                filename=f"BGMAX_{day:%Y%m%d}.txt",
                imported_at=dt.datetime.combine(day, dt.time(7), tzinfo=dt.UTC),
                actor="staff:1",
                file_timestamp=dt.datetime.combine(day, dt.time(5), tzinfo=dt.UTC),
                payments=0,
                matched=0,
            )
        imported = files[week]
        deposit = BankDeposit.objects.create(
            imported_file=imported,
            receiving_bankgiro="0050501055",
            serial=f"{serial:05d}",
            payment_date=day,
            currency="SEK",
            amount=sum(o.amount for o in orders),
            payment_count=len(orders),
        )
        for i, order in enumerate(orders):
            payments.append(
                BankPayment(
                    imported_file=imported,
                    deposit=deposit,
                    bgc_serial=f"{serial:06d}{i:06d}",
                    position=i + 1,
                    line=i + 2,
                    reference=order.ocr_reference or "",
                    reference_code="2",
                    amount=order.amount,
                    currency="SEK",
                    payment_date=day,
                    order=order,
                    state="matched",
                )
            )
        imported.payments += len(orders)
        imported.matched += len(orders)
    BankPayment.objects.bulk_create(payments, batch_size=1000)
    ImportedFile.objects.bulk_update(list(files.values()), ["payments", "matched"])


def _journal(people: list, year: Year) -> None:
    """A signed note per session held, a consultation a week (some open, waiting for her)."""
    from consonance.journal.models import Consultation, Note

    notes = [
        Note(
            person_id=b.person_id,
            booking=b,
            created_at=b.ends_at,
            body_ciphertext=b"x" * 200,
            author="staff:1",
            signed_at=b.ends_at + dt.timedelta(minutes=10),
            signed_by="staff:1",
        )
        for b in year.sessions
    ]
    Note.objects.bulk_create(notes, batch_size=1000)
    now = _now()
    Consultation.objects.bulk_create(
        Consultation(
            person=people[(i * 31) % len(people)],
            state="open" if i < 6 else "completed",
            opened_at=now - dt.timedelta(days=7 * i + 2),
            ends_at=now - dt.timedelta(days=7 * i - 12),
            completed_at=None if i < 6 else now - dt.timedelta(days=7 * i - 10),
            awaiting_reply_since=now - dt.timedelta(hours=5 * i) if i < 3 else None,
        )
        for i in range(52)
    )


def _contact_rights_newsletter(people: list) -> None:
    from consonance.contact.models import Message
    from consonance.newsletter.models import Campaign, Delivery, Subscription
    from consonance.rights.models import Request

    now = _now()
    Message.objects.bulk_create(
        (
            Message(
                person=people[(i * 13) % len(people)],
                received_at=now - dt.timedelta(hours=6 * i),
                replied_at=None if i < 8 else now - dt.timedelta(hours=6 * i - 3),
                body_ciphertext=b"x" * 300,
                source="email" if i % 3 == 0 else "form",
                language="sv",
            )
            for i in range(1400)
        ),
        batch_size=1000,
    )
    kinds = ["access", "rectification", "erasure", "restriction", "objection", "portability"]
    Request.objects.bulk_create(
        Request(
            person=people[(i * 17) % len(people)],
            kind=kinds[i % len(kinds)],
            received_at=now - dt.timedelta(days=3 * i),
            deadline="rights-request",
            due_at=now - dt.timedelta(days=3 * i - 30),
            state="open" if i < 4 else "done",
            handled_at=None if i < 4 else now - dt.timedelta(days=3 * i - 5),
        )
        for i in range(120)
    )
    subscribers = people[::3]
    Subscription.objects.bulk_create(
        Subscription(
            person=p,
            subscribed_at=p.created_at,
            confirmed_at=p.created_at + dt.timedelta(minutes=3),
            unsubscribed_at=p.created_at + dt.timedelta(days=100) if i % 11 == 0 else None,
        )
        for i, p in enumerate(subscribers)
    )
    campaigns = Campaign.objects.bulk_create(
        Campaign(
            subject_sv=f"Nyhetsbrev {i}",
            subject_en=f"Newsletter {i}",
            body_sv="Hej!\n\nNytt den här månaden.",
            body_en="Hi!\n\nNew this month.",
            state="sent" if i else "draft",
            created_at=now - dt.timedelta(days=15 * i + 1),
            started_at=now - dt.timedelta(days=15 * i) if i else None,
            finished_at=now - dt.timedelta(days=15 * i) + dt.timedelta(minutes=9) if i else None,
        )
        for i in range(25)
    )
    Delivery.objects.bulk_create(
        (
            Delivery(campaign=c, person=p, state="sent", sent_at=c.finished_at)
            for c in campaigns[1:]
            for p in subscribers
            if p.created_at < c.started_at
        ),
        batch_size=5000,
    )


def _outbox(year: Year) -> None:
    """Her confirmation, receipt and reminder for each session: sent mail the purge has not yet
    taken (the outbox keeps sent mail a while)."""
    from consonance.mail.models import OutboxMessage

    rows = []
    for order, _provider, _day, _refunded in year.orders[-1500:]:
        for template in ("booking/confirmation", "bookkeeping/receipt", "booking/reminder"):
            rows.append(
                OutboxMessage(
                    recipient=order.payer_email,
                    subject="Din bokning",
                    body_text="Hej! Välkommen.",
                    template=template,
                    purpose="transactional",
                    person_id=order.person_id,
                    message_id=f"<{template}.{order.reference}@praktik.example>",
                    state="sent",
                    created_at=order.created_at,
                    attempts=1,
                    sent_at=order.created_at + dt.timedelta(seconds=30),
                )
            )
    OutboxMessage.objects.bulk_create(rows, batch_size=1000)


def _retention_runs() -> None:
    """A retention run a night for the year: each rule's row."""
    from consonance.privacy.models import RetentionRun

    rules = [f"rule-{i}" for i in range(14)]
    now = _now()
    RetentionRun.objects.bulk_create(
        (
            RetentionRun(
                run_id=f"run{day:04d}",
                rule_id=rule,
                now=now - dt.timedelta(days=day),
                started_at=now - dt.timedelta(days=day),
                finished_at=now - dt.timedelta(days=day) + dt.timedelta(milliseconds=40),
                matched=day % 3,
                deleted=day % 3,
            )
            for day in range(365)
            for rule in rules
        ),
        batch_size=2000,
    )


def _audit(people: list) -> None:
    """The year's audit trail (the chain, as the services append it): views, writes, mail."""
    from consonance.audit.services import audit_append_many

    for action, category, every in (
        ("client.viewed", "contact_details", 1),
        ("booking.confirmed", "booking", 1),
        ("journal.note_created", "health_journal", 2),
        ("mail.sent", "contact_details", 1),
    ):
        for start in range(0, 5000, 1000):
            audit_append_many(
                actor="staff:1",
                action=action,
                entries=[
                    (people[i % len(people)].pk, category, {"n": i})
                    for i in range(start, start + 1000, every)
                ],
            )


# ------------------------------------------------------------------------------------------------
# The pages
# ------------------------------------------------------------------------------------------------
def list_paths() -> list[str]:
    """The staff URL patterns without an argument, under /staff/<app label>/."""
    from django.urls import URLPattern, URLResolver, get_resolver

    found = []

    def walk(patterns, prefix: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                text = prefix + str(p.pattern)
                if text.startswith("staff/") and "<" not in text and "(?P" not in text:
                    found.append(text)

    walk(get_resolver().url_patterns, "")
    # /staff/<app label>/…: the door itself (overview, sign-in) is not an app's page.
    return sorted(
        {f"/{t}" for t in found if t.count("/") >= 2 and t not in NOT_PAGES and t != "staff/"}
    )


def signed_in_coach():
    from django.test import Client
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    client.post("/staff/login/", {"username": "coach", "password": DEMO_PASSWORD})
    device = TOTPDevice.objects.get(user__username="coach")
    response = client.post("/staff/verify/", {"otp_token": f"{totp(device.bin_key):06d}"})
    assert response.status_code == 302, response.status_code
    return client


def measure(samples: int, only: list[str]) -> dict[str, dict]:
    from django.db import connection

    client = signed_in_coach()
    figures = {}
    for path in only or list_paths():
        response = client.get(path)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue  # an action, a form's redirect, a download: not a list page
        for _ in range(WARMUP - 1):
            client.get(path)
        # Counted by a wrapper: the test client's request_started signal empties
        # connection.queries, so CaptureQueriesContext would see none.
        queries: list[float] = []
        with connection.execute_wrapper(_timed_query(queries)):
            client.get(path)
        times = []
        for _ in range(samples):
            start = time.perf_counter()
            client.get(path)
            times.append(time.perf_counter() - start)
        figures[path] = {
            "p50_ms": round(statistics.median(times) * 1000, 1),
            "p95_ms": round(p95(times) * 1000, 1),
            "queries": len(queries),
            "db_ms": round(sum(queries) * 1000, 1),
        }
    return figures


def _timed_query(into: list[float]):
    def wrapper(execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            into.append(time.perf_counter() - start)

    return wrapper


def child(args: argparse.Namespace) -> None:
    from _common import setup_django

    setup_django(args.database_url)
    from consonance.people.models import Person

    counts = None
    if not (args.reuse and Person.objects.exists()):
        started = time.perf_counter()
        counts = generate(args.clients, args.bookings)
        print(f"generated in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    result = {"rows": counts, "pages": measure(args.samples, args.page)}
    Path(args.json_out).write_text(json.dumps(result))


def main() -> None:
    args = arguments()
    if args.database_url:
        child(args)
        return
    extra = [f"--clients={args.clients}", f"--bookings={args.bookings}"]
    extra += [f"--samples={args.samples}", *(f"--page={p}" for p in args.page)]
    results = run_per_database(__file__, "staff_pages", extra)
    rows = [
        [
            r["database"],
            path,
            f["p50_ms"],
            f["p95_ms"],
            f["queries"],
            f["db_ms"],
            "yes" if f["p95_ms"] < TARGET_MS else "NO",
        ]
        for r in results
        for path, f in r["pages"].items()
    ]
    print_table(
        ["database", "page", "p50 ms", "p95 ms", "queries", "db ms (one)", f"p95<{TARGET_MS}"],
        rows,
    )
    write_results(
        "staff_pages",
        {
            "clients": args.clients,
            "bookings": args.bookings,
            "samples": args.samples,
            "target_p95_ms": TARGET_MS,
            "results": results,
        },
    )


if __name__ == "__main__":
    main()
