"""Browser walks in headless Chromium (Debian's chromium, driven by Playwright): a visitor books
and pays by Bankgiro or by card through the local Stripe fake, the coach sees the booking on her
overview and in her week, moves it and pays part of it back, and the client gets the e-mails; a
client with a paid session ahead erases herself and chooses to cancel it.

The screenshots of the README are made here: set CONSONANCE_SCREENSHOTS to a folder to keep them.
"""

from __future__ import annotations

import os
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page

from consonance.booking.models import Booking
from consonance.lib.time import STOCKHOLM
from consonance.payments.models import Order, Refund
from consonance.payments.providers.stripe.fake import StripeFake
from consonance.people.models import Person
from consonance.rights.models import Request
from consonance.rights.sessions import deferred_erasures_run
from consonance.web.models import SitePage
from tests.factories import (
    coach_signs_in,
    confirmed_booking,
    link_from_mail,
    make_practice,
    page_go,
    page_shows,
    pay,
    sent_to,
    staff_mail,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def browser(live_practice) -> Page:
    return live_practice


go, shows = page_go, page_shows


def path_of(browser: Page) -> str:
    return browser.evaluate("location.pathname + location.search")


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("CONSONANCE_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def screenshot(browser: Page, name: str, folder: Path, width: int = 1200) -> None:
    browser.set_viewport_size({"width": width, "height": 900})
    browser.screenshot(path=str(folder / f"{name}-{width}.png"))
    browser.set_viewport_size({"width": 1200, "height": 900})


def sign_in_coach(browser: Page, staff_user) -> None:
    coach_signs_in(browser, browser.base, staff_user)
    assert path_of(browser) == "/staff/"


def test_a_visitor_books_the_coach_moves_and_refunds_part_and_the_client_is_told(
    browser, shots, staff_user
):
    video, _ = make_practice()
    SitePage.objects.create(
        slug=SitePage.Slug.HOME, title_sv="Samtal som hjälper", body_sv="Välkommen **hit**."
    )
    go(browser, "/")
    assert "900,00 kr" in browser.inner_text("body")
    screenshot(browser, "home", shots)
    screenshot(browser, "home", shots, width=390)

    # The visitor picks a time next week and pays by Bankgiro invoice.
    go(browser, f"/boka/{video.pk}/?sida=1")
    screenshot(browser, "booking", shots)
    browser.click("ul.slots a")
    shows(browser, "Förnamn")
    browser.fill("input[name=first_name]", "Astrid")
    browser.fill("input[name=last_name]", "Lindqvist")
    browser.fill("input[name=email]", "astrid@example.se")
    browser.click("input[name=method][value=bankgiro]")
    browser.click("main form button[type=submit]")
    shows(browser, "OCR-nummer")
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
    assert "Videolänk saknas" in browser.inner_text("body") and "Britta" in browser.inner_text(
        "body"
    )
    screenshot(browser, "overview", shots)
    screenshot(browser, "overview", shots, width=390)
    local = booking.starts_at.astimezone(STOCKHOLM)
    year, week, _ = local.isocalendar()
    go(browser, f"/staff/booking/kalender/?vecka={year}-W{week:02d}")
    assert f"{local:%H:%M}" in browser.inner_text("body") and "Astrid" in browser.inner_text("body")
    screenshot(browser, "week", shots)
    go(browser, f"/staff/booking/{booking.pk}/")
    screenshot(browser, "booking-detail", shots, width=390)
    later = local + timedelta(hours=1)
    browser.fill("input[name=day]", f"{later:%Y-%m-%d}")
    browser.fill("input[name=time]", f"{later:%H:%M}")
    mail.outbox.clear()
    browser.click("form[action$='/flytta/'] button")
    shows(browser, "Bokningen är flyttad")
    booking.refresh_from_db()
    assert booking.starts_at == later
    [moved] = sent_to("astrid@example.se")
    assert f"{later:%H:%M}" in moved.body and moved.attachments

    # She pays part of it back from the order page; the client is told when it is done.
    go(browser, f"/staff/payments/{booking.order_id}/")
    browser.fill("input[name=amount]", "300,00")
    browser.click("form[action$='/aterbetala/'] button")
    shows(browser, "Återbetalningen är på väg")
    refund = Refund.objects.get()
    assert refund.amount == Decimal("300.00")
    go(browser, "/staff/payments/aterbetalningar/")
    browser.click(f"form[action$='/{refund.pk}/klar/'] button")
    shows(browser, "markerad som gjord")
    [refunded] = [m for m in sent_to("astrid@example.se") if "Återbetalning" in m.subject]
    assert "300,00 kr" in refunded.body


def test_a_visitor_pays_by_card_through_the_stripe_fake_and_the_coach_refunds_part(
    browser, live_server, settings, staff_user
):
    with StripeFake() as stripe:
        settings.STRIPE_SECRET_KEY = stripe.secret_key
        settings.STRIPE_WEBHOOK_SECRET = stripe.webhook_secret
        settings.STRIPE_API_BASE = stripe.url
        video, _ = make_practice()
        go(browser, f"/boka/{video.pk}/?sida=1")
        browser.click("ul.slots a")
        shows(browser, "Förnamn")
        browser.fill("input[name=first_name]", "Astrid")
        browser.fill("input[name=last_name]", "Lindqvist")
        browser.fill("input[name=email]", "astrid@example.se")
        browser.click("input[name=method][value=card]")
        browser.click("main form button[type=submit]")
        browser.wait_for_url("**/c/pay/**")  # on its way, through the site, to the fake's page
        booking = Booking.objects.get()
        session_id = booking.order.provider_ref
        assert path_of(browser) == f"/c/pay/{session_id}"
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
        browser.goto(stripe.success_url(session_id))
        shows(browser, "Bekräftad")

        sign_in_coach(browser, staff_user)
        go(browser, f"/staff/payments/{booking.order_id}/")
        browser.fill("input[name=amount]", "450")
        browser.click("form[action$='/aterbetala/'] button")
        shows(browser, "Återbetalningen är på väg")
        refund = Refund.objects.get()
        assert refund.status == Refund.Status.DONE and refund.amount == Decimal("450.00")
        assert stripe.requests_to("/v1/refunds")
        [refunded] = [m for m in sent_to("astrid@example.se") if "Återbetalning" in m.subject]
        assert "450,00 kr" in refunded.body


def test_a_client_with_a_paid_session_ahead_erases_herself_and_chooses_to_cancel_it(
    browser, shots, staff_user
):
    video, _ = make_practice()
    ahead = (timezone.now() + timedelta(days=6)).replace(minute=0, second=0, microsecond=0)
    booking = confirmed_booking(video, ahead, method=Order.Method.BANKGIRO)
    local = ahead.astimezone(STOCKHOLM)

    # She asks for a sign-in link and opens it from the e-mail.
    go(browser, "/mina-uppgifter/")
    browser.fill("input[name=email]", "astrid@example.se")
    browser.click("main form button[type=submit]")
    shows(browser, "Titta i din inkorg")
    browser.goto(link_from_mail().replace("https://consonance.test", browser.base))
    browser.wait_for_url("**/mina-uppgifter/oversikt/")
    screenshot(browser, "privacy-center", shots)
    screenshot(browser, "privacy-center", shots, width=390)

    # Erasure asks about the session first; she chooses to cancel it.
    go(browser, "/mina-uppgifter/radera/")
    page = shows(browser, "Du har bokade samtal framför dig")
    assert f"{local:%H:%M}" in page and "900,00 kr" in page
    browser.check("input[name=sessions][value=cancel]")
    browser.check("input[name=confirm]")
    browser.click("main form button[type=submit]")
    shows(browser, "så snart återbetalningen till dig är gjord")
    booking.refresh_from_db()
    assert booking.state == Booking.State.CANCELLED
    refund = Refund.objects.get(order=booking.order)
    assert refund.amount == Decimal("900.00") and refund.status == Refund.Status.MANUAL
    # The money goes back before she is erased; the coach is told, without her name.
    assert Person.objects.filter(email="astrid@example.se").exists()
    assert Request.objects.filter(kind=Request.Kind.ERASURE, state="open").exists()
    [told] = [m for m in staff_mail() if "Radering" in m.subject]
    assert "900,00 kr" in told.body and "Astrid" not in told.body
    [cancelled] = [m for m in sent_to("astrid@example.se") if "Avbokad" in m.subject]
    assert "900,00 kr" in cancelled.body

    # The coach pays it back and marks it done: the erasure is then carried out.
    sign_in_coach(browser, staff_user)
    go(browser, "/staff/payments/aterbetalningar/")
    mail.outbox.clear()
    browser.click(f"form[action$='/{refund.pk}/klar/'] button")
    shows(browser, "markerad som gjord")
    assert deferred_erasures_run() == 1
    assert not Person.objects.filter(email="astrid@example.se").exists()
    [receipt] = [m for m in sent_to("astrid@example.se") if "raderade" in m.body]
    assert (
        f"{local:%H:%M}" in receipt.body and "avbokat, 900,00 kr betalas tillbaka" in receipt.body
    )
