"""Shared personas, factories and helpers for the tests (the one module tests import set-up from)."""

from __future__ import annotations

import base64
import datetime as dt
import html as html_lib
import json
import os
import re
from datetime import UTC, datetime, time
from decimal import Decimal

import altcha
import pytest
import time_machine
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core import mail
from django.core.management import call_command
from django.db.models import Model
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect, sync_playwright

from consonance.audit.services import SYSTEM
from consonance.booking import hooks as booking_hooks
from consonance.booking.models import Booking, OpeningHours, PracticeSettings, Service
from consonance.bookkeeping.models import Voucher
from consonance.consent.texts import NEWSLETTER, consent_text
from consonance.contact.models import Message
from consonance.journal.models import Consultation, ConsultationMessage, ConsultationTerms, Note
from consonance.mail.outbox import mail_queue
from consonance.newsletter.services import subscription_create
from consonance.payments.bankgiro.bgmax_writer import DepositInput, write_bgmax
from consonance.payments.bankgiro.imports import bankgiro_import
from consonance.payments.ledger import order_record_payment
from consonance.payments.models import BillingDetails, Order, OrderEvent, Refund, RefundAccount
from consonance.people.keys import person_encrypt
from consonance.people.models import MemberProfile, Person
from consonance.people.services import person_get_or_create
from consonance.privacy.policy import _cached
from consonance.privacy.registry import declaration_for

# Monday 16 March 2026, 08:00 UTC (09:00 in Stockholm): the next weeks cross the March DST change.
NOW = datetime(2026, 3, 16, 8, 0, tzinfo=UTC)
BANKGIRO = "5050-1055"


def make_practice(*, weekend: bool = False) -> tuple[Service, Service]:
    PracticeSettings.objects.update_or_create(
        pk=1,
        defaults={
            "buffer_minutes": 10,
            "step_minutes": 30,
            "notice_hours": 24,
            "horizon_days": 56,
            "hold_minutes": 15,
        },
    )
    days = range(7) if weekend else range(5)
    for weekday in days:
        OpeningHours.objects.get_or_create(weekday=weekday, start=time(9), end=time(17))
    video, _ = Service.objects.get_or_create(
        name_sv="Videokonsultation 50 min",
        defaults={
            "name_en": "Video consultation 50 min",
            "kind": Service.Kind.VIDEO,
            "duration_minutes": 50,
            "price": Decimal("900.00"),
            "vat_rate": Decimal("25.00"),
            "refund_full_hours": 24,
            "late_refund_percent": 0,
        },
    )
    email, _ = Service.objects.get_or_create(
        name_sv="E-postkonsultation",
        defaults={
            "name_en": "E-mail consultation",
            "kind": Service.Kind.EMAIL,
            "duration_minutes": 30,
            "price": Decimal("1500.00"),
            "refund_full_hours": 48,
        },
    )
    return video, email


def slot_links(html: str, service: Service) -> list[str]:
    return re.findall(rf'href="(/boka/{service.pk}/\d{{8}}T\d{{4}}Z/)[^"]*"', html)


def start_of(link: str) -> datetime:
    stamp = link.rstrip("/").rsplit("/", 1)[1]
    return datetime.strptime(stamp, "%Y%m%dT%H%MZ").replace(tzinfo=UTC)


def form(method: str, n: int = 1, **extra: str) -> dict[str, str]:
    return {
        "first_name": "Astrid",
        "last_name": "Lindqvist",
        "email": f"astrid{n}@example.se",
        "method": method,
        **extra,
    }


def active_bookings() -> int:
    return Booking.objects.filter(state__in=Booking.ACTIVE).count()


def sent_to(address: str) -> list:
    return [m for m in mail.outbox if address in m.to]


def encrypted(person: Person, model: type[Model], text: str, field: str = "") -> bytes:
    """`text` encrypted for `person` as `model` stores it (the context its declaration names)."""
    declaration = declaration_for(model)
    assert declaration is not None
    name = field or next(iter(declaration.encrypted))
    return person_encrypt(person, text, context=declaration.encryption_context(name))


# -- a person with a row in every model (rights tests) ----------------------------------------

EMAIL = "klara.ek@example.se"
REFUND_ACCOUNT = "0123452"  # a valid SEB account number with clearing number 5365


def populated_person(email: str = EMAIL, first: str = "Klara", last: str = "Ek") -> Person:
    """A person with a row in every model that stores data about people today."""
    person, _ = person_get_or_create(
        email=email, first_name=first, last_name=last, language="sv", actor=SYSTEM
    )
    MemberProfile.objects.create(person=person)
    order = Order.objects.create(
        reference=f"C-{person.pk}-1",
        person=person,
        method=Order.Method.SWISH,
        status=Order.Status.PAID,
        description="Videokonsultation 50 min",
        amount=Decimal("900.00"),
        amount_paid=Decimal("900.00"),
        payer_name=f"{first} {last}",
        payer_email=email,
    )
    BillingDetails.objects.create(
        order=order,
        person=person,
        first_name=first,
        last_name=last,
        email=email,
        street_address=f"Storgatan {person.pk}",
        postal_code="11122",
        city="Stockholm",
        phone=f"070123456{person.pk}",
    )
    OrderEvent.objects.create(order=order, kind="paid", amount=Decimal("900.00"))
    # A refund made by hand, its account still kept for the days after it was done.
    refund = Refund.objects.create(
        order=order,
        amount=Decimal("100.00"),
        reason="coach",
        status=Refund.Status.DONE,
        completed_at=timezone.now(),
    )
    RefundAccount.objects.create(
        refund=refund,
        person=person,
        nonce="populated",
        received_at=timezone.now(),
        clearing_number_ciphertext=encrypted(
            person, RefundAccount, "5365", "clearing_number_ciphertext"
        ),
        account_number_ciphertext=encrypted(
            person, RefundAccount, REFUND_ACCOUNT, "account_number_ciphertext"
        ),
    )
    Voucher.objects.create(
        number=Voucher.objects.count() + 1,
        date=dt.date(2026, 3, 2),
        fiscal_year_end=dt.date(2026, 12, 31),
        description="Konsultation",
        amount=Decimal("900.00"),
        payer_name=f"{first} {last}",
        order_reference=order.reference,
        person=person,
    )
    Note.objects.create(person=person, body_ciphertext=encrypted(person, Note, "Sover bättre."))
    ConsultationMessage.objects.create(
        person=person,
        direction="in",
        body_ciphertext=encrypted(person, ConsultationMessage, "Hej, en fråga om stress."),
    )
    Message.objects.create(
        person=person,
        body_ciphertext=encrypted(person, Message, "Har ni tider i maj?"),
    )
    subscription_create(
        person=person, consent_given_at=dt.datetime.now(dt.UTC), actor=SYSTEM, confirmed=True
    )
    mail_queue(
        to=email, template="rights_link", context={"url": "x", "minutes": 30}, person_id=person.pk
    )
    return person


# --------------------------------------------------------------------------------------------
# Contact form (issue 9): a form post as a person's browser makes it, proof of work included.
# --------------------------------------------------------------------------------------------


def contact_page_fields(html: str) -> dict[str, str]:
    """The hidden token and the solved proof of work from a rendered contact page."""
    token = re.search(r'name="token" value="([^"]+)"', html)
    challenge = re.search(r'data-challenge="([^"]+)"', html)
    assert token and challenge, "the contact page must carry a form token and a challenge"
    data = json.loads(html_lib.unescape(challenge.group(1)))
    solution = altcha.solve_challenge_v1(
        data["challenge"], data["salt"], data["algorithm"], data["maxNumber"]
    )
    assert solution is not None
    payload = {
        "algorithm": data["algorithm"],
        "challenge": data["challenge"],
        "number": solution.number,
        "salt": data["salt"],
        "signature": data["signature"],
    }
    encoded = base64.b64encode(json.dumps(payload).encode()).decode()
    return {"token": html_lib.unescape(token.group(1)), "altcha": encoded}


def contact_form(n: int = 1, **extra: str) -> dict[str, str]:
    return {
        "name": "Karin Sjöberg",
        "email": f"karin{n}@example.se",
        "message": "Hej! Har du lediga tider i januari? Hälsningar Karin",
        "website": "",
        **extra,
    }


# -- journal and e-mail consultations (issue 9) ------------------------------------------------


def make_client(email: str = "asa@example.se", first: str = "Åsa", last: str = "Öberg"):
    person, _ = Person.objects.get_or_create(
        email=email, defaults={"first_name": first, "last_name": last}
    )
    return person


# -- booking paid by Bankgiro, through HTTP (a fixture: register with pytest_plugins) -----------


@pytest.fixture
def practice(settings):
    settings.SITE_URL = "https://praktik.example"
    for name in ("STRIPE_SECRET_KEY", "PAYPAL_CLIENT_ID", "SWISH_PAYEE_ALIAS", "ZOOM_ACCOUNT_ID"):
        setattr(settings, name, "")
    settings.BANKGIRO_NUMBER = BANKGIRO
    settings.VIDEO_LINK = "https://video.example/rum"
    with time_machine.travel(NOW, tick=True):
        yield make_practice()


def book_by_bankgiro(client, video, n=1, days_ahead=7):
    page = client.get(f"/boka/{video.pk}/?sida=1")
    links = slot_links(page.content.decode(), video)
    assert links
    response = client.post(links[0], form("bankgiro", n))
    assert response.status_code == 302
    return response, Booking.objects.get(person__email=f"astrid{n}@example.se")


def pay(order: Order, amount: Decimal | None = None, serial: int = 1) -> None:
    data = write_bgmax(
        [
            DepositInput(
                NOW.date(), serial=serial, payments=[(order.ocr_reference, amount or order.amount)]
            )
        ]
    )
    bankgiro_import(data=data, filename=f"bg{serial}.txt", dry_run=False, actor="system")


# -- the privacy center ---------------------------------------------------------------------------

RIGHTS_START = "/mina-uppgifter/"


def link_from_mail() -> str:
    body = mail.outbox[-1].body
    return re.search(r"https?://\S+/mina-uppgifter/in/#\S+", body).group(0)


def follow_link(client, url: str):
    """What the sign-in page's script does: post the link's fragment to the page."""
    path, _hash, token = url.split("://", 1)[1].partition("/")[2].partition("#")
    assert client.get("/" + path).status_code == 200
    return client.post("/" + path, {"token": token})


def sign_in(client, email: str = EMAIL) -> None:
    client.post(RIGHTS_START, {"email": email})
    response = follow_link(client, link_from_mail())
    assert response.status_code == 302 and response["Location"].endswith("/oversikt/")


def change_address(client, new: str, old: str = EMAIL) -> None:
    """She changes her address in the privacy center and follows the link mailed to the new one."""
    sign_in(client, old)
    person = Person.objects.get(email=old)
    names = {"first_name": person.first_name, "last_name": person.last_name}
    assert client.post("/mina-uppgifter/ratta/", {**names, "email": new}).status_code == 302
    path = re.search(r"https?://[^/\s]+(/mina-uppgifter/ratta/adress/\S+/)", mail.outbox[-1].body)[
        1
    ]
    assert client.post(path).status_code == 200
    assert Person.objects.filter(pk=person.pk, email=new).exists()


def make_email_consultation(person=None, *, exchanges: int = 3, days: int = 28):
    """A paid e-mail consultation, opened through the booking hook as payment would open it."""
    person = person or make_client()
    _video, email_service = make_practice()
    ConsultationTerms.objects.update_or_create(
        service=email_service, defaults={"exchanges": exchanges, "days": days}
    )
    booking = Booking.objects.create(
        service=email_service,
        person=person,
        state=Booking.State.CONFIRMED,
        confirmed_at=timezone.now(),
    )
    booking_hooks.booking_confirmed.emit(booking)
    return Consultation.objects.get(booking=booking)


# --------------------------------------------------------------------------------------------
# Newsletter, consent and member accounts (issue 10)
# --------------------------------------------------------------------------------------------


def subscriber(email: str, *, first: str = "Astrid", last: str = "Lind", language: str = "sv"):
    """A person with a confirmed newsletter subscription and its consent in the ledger."""
    person, _ = person_get_or_create(
        email=email, first_name=first, last_name=last, language=language, actor=SYSTEM
    )
    subscription_create(
        person=person,
        consent_given_at=timezone.now(),
        actor=SYSTEM,
        confirmed=True,
        shown=consent_text(NEWSLETTER, language),
        method="double_opt_in",
    )
    return person


def link_in(body: str, marker: str) -> str:
    """The path of the first link in a mail body whose path contains `marker`."""
    match = re.search(r"https?://[^/\s]+(\S*" + re.escape(marker) + r"\S*)", body)
    assert match, f"no link with {marker!r} in the mail"
    return match.group(1)


def member_code(body: str) -> str:
    """The six-digit sign-in code in a member account's e-mail (django-allauth's login by code)."""
    match = re.search(r"\b(\d{3}-?\d{3})\b", body)
    assert match, "no sign-in code in the mail"
    return match.group(1)


def optional_cookie_policy(policy_path, *, script: str = "consent/example-embed.js") -> None:
    """Configure one non-necessary cookie (category "media") in a policy copy."""
    with open(policy_path, "a", encoding="utf-8") as policy:
        policy.write(
            "\n[[cookies]]\n"
            'name = "example_embed"\n'
            "necessary = false\n"
            'category = "media"\n'
            f'script = "{script}"\n'
            'duration = "30 days"\n'
            'purpose.sv = "Visar inbäddade videor."\n'
            'purpose.en = "Shows embedded videos."\n'
        )
    _cached.cache_clear()


# -- bookkeeping (issue 8) -----------------------------------------------------------------------

_order_numbers = iter(range(1, 10**9))


def paid_order(
    *,
    method: str = "card",
    amount: str = "900.00",
    vat_rate: str = "25.00",
    at: datetime | None = None,
    person=None,
    payer_name: str = "Klara Ek",
    provider: str | None = None,
    event_id: str | None = None,
):
    """An order with its full payment recorded through the ledger (hooks and all)."""
    n = next(_order_numbers)
    order = Order.objects.create(
        reference=f"BK{n:06d}",
        person=person,
        method=method,
        description="Videokonsultation 50 min",
        amount=Decimal(amount),
        vat_rate=Decimal(vat_rate),
        payer_name=payer_name,
        payer_email=person.email if person else f"payer{n}@example.se",
    )
    default_provider = {"card": "stripe", "paypal": "paypal", "swish": "swish"}.get(method, method)
    order, _changed = order_record_payment(
        order_id=order.pk,
        amount=Decimal(amount),
        provider=provider or default_provider,
        provider_event_id=event_id or f"evt-{n}",
        actor=SYSTEM,
        at=at,
    )
    return order


# -- the coach's working day (issue 11) -----------------------------------------------------------

STAFF_EMAIL = "coach@praktik.example"


def confirmed_booking(
    service: Service,
    starts_at: datetime | None,
    *,
    first: str = "Astrid",
    last: str = "Lindqvist",
    email: str = "astrid@example.se",
    method: str = Order.Method.CARD,
    paid: Decimal = Decimal("900.00"),
    join_url: str = "",
) -> Booking:
    """A confirmed, paid booking made directly in the database (no provider involved)."""
    person, _ = person_get_or_create(email=email, first_name=first, last_name=last, actor=SYSTEM)
    order = Order.objects.create(
        reference=f"CC-T{Order.objects.count() + 1:05d}",
        person=person,
        method=method,
        status=Order.Status.PAID,
        description=service.name_sv,
        amount=service.price,
        amount_paid=paid,
        payer_name=f"{first} {last}",
        payer_email=email,
        payment_ref="" if method == Order.Method.BANKGIRO else "pi_test",
    )
    return Booking.objects.create(
        service=service,
        person=person,
        order=order,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=service.duration_minutes) if starts_at else None,
        state=Booking.State.CONFIRMED,
        confirmed_at=NOW,
        join_url=join_url,
    )


def staff_mail() -> list:
    return [m for m in mail.outbox if STAFF_EMAIL in m.to]


@pytest.fixture
def run_after_commit(django_capture_on_commit_callbacks):
    """Run `action()` and then what it left for after the commit (e-mails, tasks)."""

    def run(action):
        with django_capture_on_commit_callbacks(execute=True):
            return action()

    return run


@pytest.fixture
def dkim_signing(settings):
    """A fresh RSA key configured for DKIM; returns `dns(domain, selector)`, a DNS lookup for
    dkimpy's verify(dnsfunc=...) that answers with its public key and records what was asked."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    settings.CONSONANCE_DKIM_PRIVATE_KEY = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = base64.b64encode(
        key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    asked: list[bytes] = []

    def dns(name: bytes, timeout: int = 5) -> bytes:
        asked.append(name)
        return b"v=DKIM1; k=rsa; p=" + public

    dns.asked = asked  # type: ignore[attr-defined]
    return dns


# -- the browser ----------------------------------------------------------------------------------

# Debian's Chromium, driven by Playwright (never `playwright install`); `make test` installs it.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="module")
def chromium():
    assert os.path.exists(CHROMIUM), (
        "Debian's chromium is missing: `make system-packages` installs it"
    )
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # between browser steps are still plain synchronous code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def tab(chromium):
    """A fresh browser tab (its own cookies), Swedish, 1200 by 900 pixels."""
    context = chromium.new_context(locale="sv-SE", viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def coach_signs_in(tab, base: str, staff_user) -> None:
    """The coach signs in on the live site in `tab`: password, then her authenticator's code."""
    tab.goto(base + "/staff/login/")
    tab.fill("input[name=username]", "coach")
    tab.fill("input[name=password]", "a-long-test-password")
    tab.click("main form button[type=submit]")
    device = TOTPDevice.objects.get(user=staff_user)
    expect(tab.locator("body")).to_contain_text("Steg 2")
    tab.fill("input[name=otp_token]", f"{totp(device.bin_key):06d}")
    tab.click("main form button[type=submit]")
    expect(tab.locator("body")).to_contain_text("Väntar på dig")


@pytest.fixture
def live_practice(tab, live_server, settings):
    """A tab on the live site, configured as a practice with Bankgiro and a fixed video link."""
    settings.SITE_URL = live_server.url
    settings.CONSONANCE_STAFF_EMAIL = STAFF_EMAIL
    settings.BANKGIRO_NUMBER = BANKGIRO
    settings.VIDEO_LINK = "https://video.example/rum"
    for name in ("STRIPE_SECRET_KEY", "PAYPAL_CLIENT_ID", "SWISH_PAYEE_ALIAS", "ZOOM_ACCOUNT_ID"):
        setattr(settings, name, "")
    settings.DEBUG = False
    tab.base = live_server.url
    return tab


def page_go(tab, path: str) -> None:
    tab.goto(tab.base + path)


def page_shows(tab, text: str) -> str:
    """The page's text once it shows `text` (waiting for a click's page load)."""
    expect(tab.locator("body")).to_contain_text(text)
    return tab.inner_text("body")


# -- the coach's own calendar, served on loopback (booking/busy.py) -------------------------------

# A private calendar as Google, iCloud or Outlook serve it, for the week of NOW (Monday 16 March
# 2026): a weekly meeting in Stockholm time with one date taken out (RRULE, EXDATE), a call in
# New York time (TZID), an all-day event, a time marked free (TRANSP:TRANSPARENT), a cancelled
# event, and titles, places and descriptions that must never be stored.
OWN_CALENDAR = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Test//Own calendar//SV
X-WR-CALNAME:Privat
BEGIN:VTIMEZONE
TZID:America/New_York
BEGIN:DAYLIGHT
TZOFFSETFROM:-0500
TZOFFSETTO:-0400
TZNAME:EDT
DTSTART:19700308T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:-0400
TZOFFSETTO:-0500
TZNAME:EST
DTSTART:19701101T020000
RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU
END:STANDARD
END:VTIMEZONE
BEGIN:VEVENT
UID:weekly@test
DTSTAMP:20260301T000000Z
DTSTART;TZID=Europe/Stockholm:20260304T100000
DTEND;TZID=Europe/Stockholm:20260304T120000
RRULE:FREQ=WEEKLY;BYDAY=WE
EXDATE;TZID=Europe/Stockholm:20260325T100000
SUMMARY:Tandläkare Hemlighetsson
LOCATION:Storgatan 1
DESCRIPTION:Privat anteckning
END:VEVENT
BEGIN:VEVENT
UID:newyork@test
DTSTAMP:20260301T000000Z
DTSTART;TZID=America/New_York:20260319T090000
DTEND;TZID=America/New_York:20260319T100000
SUMMARY:Samtal med New York
END:VEVENT
BEGIN:VEVENT
UID:allday@test
DTSTAMP:20260301T000000Z
DTSTART;VALUE=DATE:20260320
DTEND;VALUE=DATE:20260321
SUMMARY:Kurs hela dagen
END:VEVENT
BEGIN:VEVENT
UID:free@test
DTSTAMP:20260301T000000Z
DTSTART:20260317T080000Z
DTEND:20260317T160000Z
TRANSP:TRANSPARENT
SUMMARY:Påminnelse (ledig)
END:VEVENT
BEGIN:VEVENT
UID:cancelled@test
DTSTAMP:20260301T000000Z
DTSTART:20260323T090000Z
DTEND:20260323T100000Z
STATUS:CANCELLED
SUMMARY:Inställt möte
END:VEVENT
END:VCALENDAR
""".replace("\n", "\r\n")


class CalendarServer:
    """A small HTTP server on loopback: `files[path] = (status, body, delay_seconds)`."""

    def __init__(self) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        files: dict[str, tuple[int, bytes, float]] = {}
        self.files = files
        self.requests: list[str] = []
        requests = self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                requests.append(self.path)
                status, body, delay = files.get(self.path, (404, b"not found", 0.0))
                if delay:
                    import time as _time

                    _time.sleep(delay)
                self.send_response(status)
                self.send_header("Content-Type", "text/calendar; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def serve(self, path: str, body: str | bytes, status: int = 200, delay: float = 0.0) -> str:
        self.files[path] = (status, body.encode() if isinstance(body, str) else body, delay)
        return self.url(path)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def calendar_server():
    server = CalendarServer()
    yield server
    server.close()


# -- SIE ----------------------------------------------------------------------------------------


def sie_verify(path, capsys) -> tuple[int, dict]:
    """`consonance ledger verify FILE --json`: its exit code and what it printed."""
    try:
        call_command("ledger", "verify", str(path), "--json")
        code = 0
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    return code, json.loads(capsys.readouterr().out)
