"""Browser walks in headless Chromium (Debian's chromium + chromium-driver, driven over the W3C
WebDriver protocol): a visitor books and pays by Bankgiro, the coach sees the booking on her
overview and in her week, moves it, and pays part of it back; the client gets the e-mails.

The screenshots of the README are made here: set CONSONANCE_SCREENSHOTS to a folder to keep them.
"""

from __future__ import annotations

import base64
import os
import shutil
import socket
import subprocess
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from django.core import mail
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from consonance.booking.models import Booking
from consonance.lib.time import STOCKHOLM
from consonance.payments.models import Refund
from consonance.web.models import SitePage
from tests.factories import (
    BANKGIRO,
    STAFF_EMAIL,
    confirmed_booking,
    make_practice,
    pay,
    sent_to,
    staff_mail,
)
from tests.fakes.stripe_server import StripeFake

pytestmark = pytest.mark.django_db(transaction=True)

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Browser:
    """Just enough of WebDriver: open, find, type, click, run a script, read, screenshot."""

    def __init__(self, base: str) -> None:
        self.base = base
        port = _free_port()
        self.driver = subprocess.Popen(
            [DRIVER, f"--port={port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60)
        for _ in range(100):
            try:
                self.http.get("/status")
                break
            except httpx.TransportError:
                time.sleep(0.05)
        options = {
            "binary": CHROMIUM,
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--window-size=1200,900"],
        }
        answer = self._call(
            "POST",
            "/session",
            {"capabilities": {"alwaysMatch": {"goog:chromeOptions": options}}},
        )
        self.session = f"/session/{answer['sessionId']}"

    def _call(self, method: str, path: str, body: dict | None = None):
        response = self.http.request(method, path, json=body if body is not None else None)
        value = response.json()["value"]
        assert response.status_code == 200, value
        return value

    def open(self, path: str) -> None:
        self._call("POST", self.session + "/url", {"url": self.base + path})

    def find(self, css: str) -> str:
        found = self._call(
            "POST", self.session + "/element", {"using": "css selector", "value": css}
        )
        assert ELEMENT in found, (css, found)
        return found[ELEMENT]

    def type(self, css: str, text: str) -> None:
        self._call("POST", f"{self.session}/element/{self.find(css)}/value", {"text": text})

    def click(self, css: str) -> None:
        self._call("POST", f"{self.session}/element/{self.find(css)}/click", {})

    def script(self, source: str, *args):
        return self._call("POST", self.session + "/execute/sync", {"script": source, "args": args})

    def text(self) -> str:
        return self.script("return document.body.innerText;")

    def wait_for(self, text: str, seconds: float = 15) -> str:
        """The page's text once it shows `text` (a click's page load runs on its own)."""
        deadline = time.monotonic() + seconds
        while True:
            try:
                shown = self.text()
            except AssertionError:  # the page is being replaced under the script
                shown = ""
            if text in shown or time.monotonic() > deadline:
                assert text in shown, shown
                return shown
            time.sleep(0.05)

    @property
    def path(self) -> str:
        return self.script("return location.pathname + location.search;")

    def screenshot(self, name: str, folder: Path, width: int = 1200) -> None:
        self._call("POST", self.session + "/window/rect", {"width": width, "height": 900})
        png = self._call("GET", self.session + "/screenshot")
        (folder / f"{name}-{width}.png").write_bytes(base64.b64decode(png))
        self._call("POST", self.session + "/window/rect", {"width": 1200, "height": 900})

    def quit(self) -> None:
        try:
            self.http.delete(self.session)
        finally:
            self.driver.terminate()
            self.driver.wait(10)


@pytest.fixture
def browser(live_server, settings):
    settings.SITE_URL = live_server.url
    settings.CONSONANCE_STAFF_EMAIL = STAFF_EMAIL
    settings.BANKGIRO_NUMBER = BANKGIRO
    settings.VIDEO_LINK = "https://video.example/rum"
    for name in ("STRIPE_SECRET_KEY", "PAYPAL_CLIENT_ID", "SWISH_PAYEE_ALIAS", "ZOOM_ACCOUNT_ID"):
        setattr(settings, name, "")
    settings.DEBUG = False
    assert Path(CHROMIUM).exists() and Path(DRIVER).exists(), "make system-packages installs them"
    opened = Browser(live_server.url)
    yield opened
    opened.quit()


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("CONSONANCE_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def sign_in_coach(browser: Browser, staff_user) -> None:
    browser.open("/staff/login/")
    browser.type("input[name=username]", "coach")
    browser.type("input[name=password]", "a-long-test-password")
    browser.click("main form button[type=submit]")
    device = TOTPDevice.objects.get(user=staff_user)
    browser.wait_for("Steg 2")
    browser.type("input[name=otp_token]", f"{totp(device.bin_key):06d}")
    browser.click("main form button[type=submit]")
    browser.wait_for("Väntar på dig")
    assert browser.path == "/staff/"


def test_a_visitor_books_the_coach_moves_and_refunds_part_and_the_client_is_told(
    browser, shots, staff_user
):
    video, _ = make_practice()
    SitePage.objects.create(
        slug=SitePage.Slug.HOME, title_sv="Samtal som hjälper", body_sv="Välkommen **hit**."
    )
    browser.open("/")
    assert "900,00 kr" in browser.text()
    browser.screenshot("home", shots)
    browser.screenshot("home", shots, width=390)

    # The visitor picks a time next week and pays by Bankgiro invoice.
    browser.open(f"/boka/{video.pk}/?sida=1")
    browser.screenshot("booking", shots)
    browser.click("ul.slots a")
    browser.wait_for("Förnamn")
    browser.type("input[name=first_name]", "Astrid")
    browser.type("input[name=last_name]", "Lindqvist")
    browser.type("input[name=email]", "astrid@example.se")
    browser.click("input[name=method][value=bankgiro]")
    browser.click("main form button[type=submit]")
    browser.wait_for("OCR-nummer")
    booking = Booking.objects.get()
    assert booking.state == Booking.State.HELD
    pay(booking.order)
    booking.refresh_from_db()
    assert booking.state == Booking.State.CONFIRMED
    assert [m.subject.split(":")[0] for m in staff_mail()][:2] == [
        "Ny bokning (väntar på betalning)",
        "Ny bokning, betald",
    ]

    # The coach sees it in her week and moves it an hour later. (Later today another client's
    # session waits for its video link: the overview asks for it.)
    soon = (timezone.now() + timedelta(hours=3)).replace(minute=0, second=0, microsecond=0)
    confirmed_booking(video, soon, first="Britta", email="britta@example.se")
    sign_in_coach(browser, staff_user)
    assert "Videolänk saknas" in browser.text() and "Britta" in browser.text()
    browser.screenshot("overview", shots)
    browser.screenshot("overview", shots, width=390)
    local = booking.starts_at.astimezone(STOCKHOLM)
    year, week, _ = local.isocalendar()
    browser.open(f"/staff/booking/kalender/?vecka={year}-W{week:02d}")
    assert f"{local:%H:%M}" in browser.text() and "Astrid" in browser.text()
    browser.screenshot("week", shots)
    browser.open(f"/staff/booking/{booking.pk}/")
    browser.screenshot("booking-detail", shots, width=390)
    later = local + timedelta(hours=1)
    browser.script(
        "document.querySelector('input[name=day]').value = arguments[0];"
        "document.querySelector('input[name=time]').value = arguments[1];",
        f"{later:%Y-%m-%d}",
        f"{later:%H:%M}",
    )
    mail.outbox.clear()
    browser.click("form[action$='/flytta/'] button")
    browser.wait_for("Bokningen är flyttad")
    booking.refresh_from_db()
    assert booking.starts_at == later
    [moved] = sent_to("astrid@example.se")
    assert f"{later:%H:%M}" in moved.body and moved.attachments

    # She pays part of it back from the order page; the client is told when it is done.
    browser.open(f"/staff/payments/{booking.order_id}/")
    browser.script("document.querySelector('input[name=amount]').value = '';")
    browser.type("input[name=amount]", "300,00")
    browser.click("form[action$='/aterbetala/'] button")
    browser.wait_for("Återbetalningen är på väg")
    refund = Refund.objects.get()
    assert refund.amount == Decimal("300.00")
    browser.open("/staff/payments/aterbetalningar/")
    browser.click(f"form[action$='/{refund.pk}/klar/'] button")
    browser.wait_for("markerad som gjord")
    [refunded] = [m for m in sent_to("astrid@example.se") if "Återbetalning" in m.subject]
    assert "300,00 kr" in refunded.body

    # The privacy center, for the README.
    browser.open("/mina-uppgifter/")
    browser.screenshot("privacy-center", shots)
    assert "Mina uppgifter" in browser.text()


def test_a_visitor_pays_by_card_through_the_stripe_fake_and_the_coach_refunds_part(
    browser, live_server, settings, staff_user
):
    with StripeFake() as stripe:
        settings.STRIPE_SECRET_KEY = stripe.secret_key
        settings.STRIPE_WEBHOOK_SECRET = stripe.webhook_secret
        settings.STRIPE_API_BASE = stripe.url
        video, _ = make_practice()
        browser.open(f"/boka/{video.pk}/?sida=1")
        browser.click("ul.slots a")
        browser.wait_for("Förnamn")
        browser.type("input[name=first_name]", "Astrid")
        browser.type("input[name=last_name]", "Lindqvist")
        browser.type("input[name=email]", "astrid@example.se")
        browser.click("input[name=method][value=card]")
        browser.click("main form button[type=submit]")
        for _ in range(200):  # on its way, through the site, to the fake's checkout page
            try:
                if browser.path.startswith("/c/pay/"):
                    break
            except AssertionError:  # the page is being replaced under the script
                pass
            time.sleep(0.05)
        booking = Booking.objects.get()
        session_id = booking.order.provider_ref
        assert browser.path == f"/c/pay/{session_id}"
        # The payer pays; Stripe tells the site (the webhook) and sends her back.
        body, headers = stripe.complete_session(session_id)
        answer = httpx.post(
            live_server.url + "/payments/webhooks/stripe/",
            content=body,
            headers={
                "Stripe-Signature": headers["Stripe-Signature"],
                "Content-Type": "application/json",
            },
        )
        assert answer.status_code == 200
        browser.http.post(f"{browser.session}/url", json={"url": stripe.success_url(session_id)})
        browser.wait_for("Bekräftad")

        sign_in_coach(browser, staff_user)
        browser.open(f"/staff/payments/{booking.order_id}/")
        browser.script("document.querySelector('input[name=amount]').value = '';")
        browser.type("input[name=amount]", "450")
        browser.click("form[action$='/aterbetala/'] button")
        browser.wait_for("Återbetalningen är på väg")
        refund = Refund.objects.get()
        assert refund.status == Refund.Status.DONE and refund.amount == Decimal("450.00")
        assert stripe.requests_to("/v1/refunds")
        [refunded] = [m for m in sent_to("astrid@example.se") if "Återbetalning" in m.subject]
        assert "450,00 kr" in refunded.body
