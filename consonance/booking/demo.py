"""Demo part of booking: services, opening hours, and bookings with orders in every state.

Idempotent: each demo order has a fixed reference (DEMO-…); one that exists is left alone.
The demo people come from consonance/people/demo.py. Without provider credentials `make run`
offers Bankgiro (a demo bankgiro number) and the fixed video link, so a visitor can complete a
booking: she gets the invoice with its OCR number, and the coach sees it on her staff pages.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from consonance.audit.services import SYSTEM, actor_person
from consonance.booking.models import (
    Booking,
    DayOff,
    OpeningHours,
    PracticeSettings,
    Service,
    ZoomSync,
)
from consonance.booking.selectors import STOCKHOLM
from consonance.lib.bankaccount import bank_account_check
from consonance.lib.urls import absolute_reverse
from consonance.payments import demo as payments_demo
from consonance.payments import ledger, methods
from consonance.payments.bankgiro.services import bankgiro_invoice_create
from consonance.payments.models import BillingDetails, Order, Refund, RefundAccount
from consonance.payments.refund_accounts import refund_account_submit
from consonance.payments.refunds import refund_request
from consonance.payments.tokens import account_token
from consonance.people.models import Person

VIDEO = {
    "name_en": "Video consultation, 50 minutes",
    "kind": Service.Kind.VIDEO,
    "duration_minutes": 50,
    "price": Decimal("900.00"),
    "vat_rate": Decimal("25.00"),
    "refund_full_hours": 24,
    "late_refund_percent": 0,
    "position": 1,
    "description_sv": "Ett samtal på Zoom. Du får länken i bekräftelsen.",
    "description_en": "A conversation on Zoom. The link comes with the confirmation.",
}
EMAIL = {
    "name_en": "E-mail consultation, three replies",
    "kind": Service.Kind.EMAIL,
    "duration_minutes": 30,
    "price": Decimal("1500.00"),
    "vat_rate": Decimal("25.00"),
    "refund_full_hours": 48,
    "late_refund_percent": 50,
    "position": 2,
    "description_sv": "Skriv när det passar dig; jag svarar inom en vecka, tre gånger.",
    "description_en": "Write when it suits you; I reply within a week, three times.",
}


LINK = "https://video.example.se/consonance-demo"


def _weekday_at(days_ahead: int, hour: int) -> datetime:
    day = timezone.localdate(timezone=STOCKHOLM) + timedelta(days=days_ahead)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, time(hour), tzinfo=STOCKHOLM)


def _order(reference: str, person: Person, service: Service, method: str, **fields) -> Order:
    order = Order.objects.create(
        reference=reference,
        person=person,
        method=method,
        description=service.name_sv,
        description_en=service.name_en,
        amount=service.price,
        vat_rate=service.vat_rate,
        payer_name=f"{person.first_name} {person.last_name}",
        payer_email=person.email,
        **fields,
    )
    ledger.order_record_event(order_id=order.pk, kind="created", actor=SYSTEM, amount=order.amount)
    return order


def _booking(person, service, order, state, starts_at=None, **fields) -> Booking:
    return Booking.objects.create(
        person=person,
        service=service,
        order=order,
        state=state,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=service.duration_minutes) if starts_at else None,
        language=person.language,
        **fields,
    )


def load(out) -> None:
    video, email = _practice()
    people = {p.email.split(".")[0]: p for p in Person.objects.all() if "@example." in p.email}
    if not {"astrid", "johan", "maria", "sara"} <= people.keys():
        return
    for reference, scene in (
        ("DEMO-1", _paid_by_card),
        ("DEMO-2", _swish_pending),
        ("DEMO-3", _bankgiro_invoice),
        ("DEMO-4", _bankgiro_cancelled),
        ("DEMO-5", _past_paypal),
        ("DEMO-6", _today_without_link),
        ("DEMO-7", _no_show_partly_refunded),
        ("DEMO-8", _zoom_kept_the_old_time),
        ("DEMO-9", _bankgiro_account_received),
    ):
        if not Order.objects.filter(reference=reference).exists():
            scene(reference, people, video, email)
    _booked_by_phone(people, video)
    _regular_client(people, video)
    out.write(
        "Booking: services, opening hours and demo bookings (DEMO-1 … DEMO-9); the coach's day "
        "at /staff/, her week at /staff/booking/calendar/; Bankgiro refunds waiting for the "
        "client's account (DEMO-4) and with it received (DEMO-9) at /staff/payments/refunds/.\n"
    )
    waiting = RefundAccount.objects.filter(
        refund__order__reference="DEMO-4", received_at__isnull=True
    ).first()
    if waiting is not None:
        url = absolute_reverse("payments-refund-account", account_token(waiting))
        out.write(f"DEMO-4's client gives her account for the refund at {url}\n")


def _practice() -> tuple[Service, Service]:
    video, _ = Service.objects.get_or_create(
        name_sv="Videokonsultation, 50 minuter", defaults=VIDEO
    )
    email, _ = Service.objects.get_or_create(name_sv="E-postkonsultation, tre svar", defaults=EMAIL)
    PracticeSettings.load()
    if not OpeningHours.objects.exists():
        for weekday in range(5):
            OpeningHours.objects.create(weekday=weekday, start=time(9), end=time(12))
            OpeningHours.objects.create(weekday=weekday, start=time(13), end=time(17))
    if not DayOff.objects.exists():
        DayOff.objects.create(day=_weekday_at(12, 9).date(), note="Fortbildning")
    return video, email


def _paid_by_card(reference: str, people: dict, video: Service, email: Service) -> None:
    """A paid card order (last four digits and expiry only, P6) and its confirmed session."""
    now = timezone.now()
    order = _order(
        reference,
        people["astrid"],
        video,
        Order.Method.CARD,
        card_last4="4242",
        card_expiry="12/2030",
        provider_ref="cs_demo_1",
        payment_ref="pi_demo_1",
    )
    _booking(
        people["astrid"],
        video,
        order,
        Booking.State.CONFIRMED,
        _weekday_at(6, 10),
        confirmed_at=now,
        confirmation_sent_at=now,
        join_url=LINK,
    )
    _paid(order)


def _swish_pending(reference: str, people: dict, video: Service, email: Service) -> None:
    """A pending Swish order; the phone number goes within 48 hours (P8)."""
    order = _order(reference, people["johan"], email, Order.Method.SWISH)
    BillingDetails.objects.create(
        order=order,
        person=people["johan"],
        first_name="Johan",
        last_name="Berg",
        email=people["johan"].email,
        phone="46701234567",
    )


def _bankgiro_invoice(reference: str, people: dict, video: Service, email: Service) -> None:
    """A Bankgiro invoice with an OCR number, its slot reserved until the due date."""
    order = _order(reference, people["maria"], video, Order.Method.BANKGIRO)
    BillingDetails.objects.create(
        order=order,
        person=people["maria"],
        first_name="Maria",
        last_name="Santos",
        email=people["maria"].email,
    )
    order = bankgiro_invoice_create(order_id=order.pk, actor=SYSTEM)
    assert order.due_date is not None  # set by bankgiro_invoice_create
    _booking(
        people["maria"],
        video,
        order,
        Booking.State.HELD,
        _weekday_at(15, 14),
        hold_expires_at=datetime.combine(order.due_date, time(23, 59), tzinfo=STOCKHOLM),
    )


def _bankgiro_cancelled(
    reference: str,
    people: dict,
    video: Service,
    email: Service,
    who: str = "sara",
    days_ahead: int = 8,
) -> Refund:
    """A paid Bankgiro booking, cancelled in time: the refund is a task for the coach, and the
    client has a link to give her account. (Paid while confirmed, then cancelled: one refund,
    requested through the ledger's guard.)"""
    now = timezone.now()
    order = _order(reference, people[who], video, Order.Method.BANKGIRO)
    booking = _booking(
        people[who],
        video,
        order,
        Booking.State.CONFIRMED,
        _weekday_at(days_ahead, 15),
        confirmed_at=now - timedelta(days=3),
        confirmation_sent_at=now,
    )
    _paid(order)
    Booking.objects.filter(pk=booking.pk).update(state=Booking.State.CANCELLED, cancelled_at=now)
    ledger.order_record_event(order_id=order.pk, kind="booking_cancelled", actor=SYSTEM)
    order.refresh_from_db()
    return refund_request(order=order, amount=order.amount, reason="cancelled", actor=SYSTEM)


def _bankgiro_account_received(
    reference: str, people: dict, video: Service, email: Service
) -> None:
    """The same, and the client has given her account on the page: the coach can open it (an
    audited read), pay it from her bank and mark the refund done."""
    refund = _bankgiro_cancelled(reference, people, video, email, who="johan", days_ahead=9)
    johan = people["johan"]
    refund_account_submit(
        account_id=RefundAccount.objects.get(refund=refund).pk,
        account=bank_account_check("5365", "0123452"),
        holder="",
        actor=actor_person(johan.pk),
    )


def _past_paypal(reference: str, people: dict, video: Service, email: Service) -> None:
    """A past session paid with PayPal (name and e-mail only, P7)."""
    order = _order(
        reference,
        people["johan"],
        video,
        Order.Method.PAYPAL,
        provider_ref="5O190127TN364715T",
        payment_ref="3C679366HH908993F",
    )
    starts = _weekday_at(-21, 10)
    _booking(
        people["johan"],
        video,
        order,
        Booking.State.CONFIRMED,
        starts,
        confirmed_at=starts - timedelta(days=5),
        confirmation_sent_at=starts,
        join_url=LINK,
    )
    _paid(order)


def _paid(order: Order, at: datetime | None = None) -> None:
    """The payment, and for card and PayPal the provider's fee and, once due, its payout."""
    provider = methods.method(order.method).provider
    payments_demo.paid(order, provider, at=at, event_id=f"demo:{order.reference}")


def _today_without_link(reference: str, people: dict, video: Service, email: Service) -> None:
    """A paid session later today with no video link yet: the overview shows it under "I dag"
    and asks for the link under "Väntar på dig"."""
    now = timezone.now()
    today = now.astimezone(STOCKHOLM).date()
    starts = max(
        datetime.combine(today, time(16), tzinfo=STOCKHOLM), now + timedelta(hours=1)
    ).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    order = _order(reference, people["sara"], video, Order.Method.CARD, payment_ref="pi_demo_6")
    _booking(
        people["sara"],
        video,
        order,
        Booking.State.CONFIRMED,
        starts,
        confirmed_at=now - timedelta(days=2),
        confirmation_sent_at=now - timedelta(days=2),
    )
    _paid(order)


def _no_show_partly_refunded(reference: str, people: dict, video: Service, email: Service) -> None:
    """A session two days ago the client missed: marked as a no-show, half paid back by the coach
    as a goodwill gesture (a partial refund, at most what was paid)."""
    day = timezone.localdate(timezone=STOCKHOLM) - timedelta(days=2)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    starts = datetime.combine(day, time(11), tzinfo=STOCKHOLM)
    order = _order(reference, people["maria"], video, Order.Method.CARD, payment_ref="pi_demo_7")
    _booking(
        people["maria"],
        video,
        order,
        Booking.State.CONFIRMED,
        starts,
        confirmed_at=starts - timedelta(days=4),
        confirmation_sent_at=starts - timedelta(days=4),
        reminder_sent_at=starts - timedelta(hours=24),
        join_url=LINK,
    )
    _paid(order)
    Booking.objects.filter(order=order).update(state=Booking.State.NO_SHOW)
    Refund.objects.create(
        order=order,
        amount=Decimal("450.00"),
        reason="coach",
        status=Refund.Status.DONE,
        provider_refund_ref="re_demo_7",
        completed_at=timezone.now(),
        completed_by=SYSTEM,
    )
    ledger.order_record_refund(
        order_id=order.pk,
        amount=Decimal("450.00"),
        provider=methods.method(order.method).provider,
        provider_event_id="refund:re_demo_7",
        actor=SYSTEM,
    )


def _regular_client(people: dict, video: Service) -> None:
    """A client who has come every other week since the autumn: five past sessions, paid by
    card, each with its receipt (the client list counts six sessions, the card lists them)."""
    astrid = people["astrid"]
    for n in range(1, 6):
        reference, starts = f"DEMO-REG-{n}", _weekday_at(-14 * n, 10)
        taken = Booking.objects.filter(starts_at=starts, state__in=Booking.ACTIVE).exists()
        if taken or Order.objects.filter(reference=reference).exists():
            continue
        booked = starts - timedelta(days=6)
        order = _order(
            reference,
            astrid,
            video,
            Order.Method.CARD,
            payment_ref=f"pi_demo_reg{n}",
            created_at=booked,
        )
        _booking(
            astrid,
            video,
            order,
            Booking.State.CONFIRMED,
            starts,
            confirmed_at=booked,
            confirmation_sent_at=booked,
            reminder_sent_at=starts - timedelta(hours=24),
            join_url=LINK,
            created_at=booked,
        )
        _paid(order, at=booked)


def _zoom_kept_the_old_time(reference: str, people: dict, video: Service, email: Service) -> None:
    """A paid session moved to a new time whose Zoom meeting could not follow (Zoom refused):
    "Zoom-mötet har fel tid" waits on her overview, and the booking offers "Försök igen"."""
    now = timezone.now()
    order = _order(reference, people["maria"], video, Order.Method.CARD, payment_ref="pi_demo_8")
    _booking(
        people["maria"],
        video,
        order,
        Booking.State.CONFIRMED,
        _weekday_at(9, 14),
        confirmed_at=now - timedelta(days=5),
        confirmation_sent_at=now - timedelta(days=5),
        zoom_meeting_id="85000000008",
        join_url="https://zoom.example/j/85000000008",
        zoom_sync=ZoomSync.FAILED,
        zoom_sync_attempts=1,
    )
    _paid(order)


def _booked_by_phone(people: dict, video: Service) -> None:
    """A session the coach put in herself, agreed by phone, with no payment through the site
    (staff: "Ny bokning"). Idempotent: Johan's booking without an order."""
    johan = people["johan"]
    if Booking.objects.filter(person=johan, order__isnull=True).exists():
        return
    starts = _weekday_at(3, 17)  # after the opening hours: the coach may
    _booking(
        johan,
        video,
        None,
        Booking.State.CONFIRMED,
        starts,
        confirmed_at=timezone.now(),
        confirmation_sent_at=timezone.now(),
        join_url=LINK,
    )
