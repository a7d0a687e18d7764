"""Booking paid by card through Stripe Checkout, end to end over HTTP against the local fake."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from pypdf import PdfReader

from consonance.booking.models import Booking
from consonance.booking.services import booking_expire_holds
from consonance.booking.tokens import booking_token
from consonance.payments.models import Order, OrderEvent, Refund
from consonance.payments.providers.stripe.adapter import StripeProvider
from consonance.payments.providers.stripe.fake import StripeFake
from consonance.rights.export import export_zip
from tests.factories import NOW, active_bookings, form, make_practice, sent_to, slot_links
from tests.fakes.zoom_server import ACCOUNT_ID, CLIENT_ID, CLIENT_SECRET, FakeZoomServer

pytestmark = pytest.mark.django_db(transaction=True)
HOOK = "/payments/webhooks/stripe/"


@pytest.fixture
def fake(settings):
    settings.SITE_URL = "https://praktik.example"
    settings.BANKGIRO_NUMBER = ""
    settings.VIDEO_LINK = ""
    with StripeFake() as stripe, FakeZoomServer() as zoom:
        settings.STRIPE_SECRET_KEY = stripe.secret_key
        settings.STRIPE_WEBHOOK_SECRET = stripe.webhook_secret
        settings.STRIPE_API_BASE = stripe.url
        settings.ZOOM_ACCOUNT_ID = ACCOUNT_ID
        settings.ZOOM_CLIENT_ID = CLIENT_ID
        settings.ZOOM_CLIENT_SECRET = CLIENT_SECRET
        settings.ZOOM_OAUTH_BASE = zoom.oauth_base
        settings.ZOOM_API_BASE = zoom.api_base
        stripe.zoom = zoom
        with time_machine.travel(NOW, tick=True):
            yield stripe


@pytest.fixture
def video(fake):
    return make_practice()[0]


def book(client, fake, video, n=1, link_index=0):
    links = slot_links(client.get(f"/boka/{video.pk}/").content.decode(), video)
    response = client.post(links[link_index], form("card", n))
    assert response.status_code == 302
    booking = Booking.objects.get(person__email=f"astrid{n}@example.se")
    session_id = booking.order.provider_ref
    assert response["Location"] == fake.sessions[session_id]["url"]
    return booking, session_id


def deliver(client, body, headers):
    return client.post(
        HOOK,
        data=body,
        content_type="application/json",
        headers={"Stripe-Signature": headers["Stripe-Signature"]},
    )


def test_the_booking_page_offers_only_configured_providers(client, fake, video):
    links = slot_links(client.get(f"/boka/{video.pk}/").content.decode(), video)
    page = client.get(links[0]).content.decode()
    assert 'value="card"' in page
    assert 'value="bankgiro"' not in page and 'value="swish"' not in page
    assert "24 timmar" in page  # the cancellation rule, before paying


def test_paying_by_card_confirms_the_booking_with_a_zoom_meeting(client, fake, video):
    booking, session_id = book(client, fake, video)
    assert booking.state == Booking.State.HELD

    # As Stripe sends it: the payment intent by id (the card is read from its latest charge).
    body, headers = fake.complete_session(session_id)
    assert deliver(client, body, headers).status_code == 200

    booking.refresh_from_db()
    order = booking.order
    assert booking.state == Booking.State.CONFIRMED
    assert order.status == Order.Status.PAID and order.amount_paid == Decimal("900.00")
    assert (order.card_last4, order.card_expiry) == ("4242", "12/2030")
    assert booking.zoom_meeting_id and booking.join_url.startswith("http")
    [meeting] = fake.zoom.meetings.values()
    assert "Astrid" not in str(meeting.body)
    [message] = sent_to("astrid1@example.se")
    assert booking.join_url in message.body
    # The return page shows the confirmed booking.
    status = client.get(fake.success_url(session_id), follow=True)
    assert status.status_code == 200 and "Bekräftad" in status.content.decode()


def test_a_tampered_signature_is_refused_and_changes_nothing(client, fake, video):
    booking, session_id = book(client, fake, video)
    body, headers = fake.complete_session(session_id)
    tampered = body.replace(b'"paid"', b'"paid" ')
    assert deliver(client, tampered, headers).status_code == 400
    stale = fake.sign(body, timestamp=int(NOW.timestamp()) - 301)
    assert deliver(client, body, stale).status_code == 400
    booking.refresh_from_db()
    assert booking.state == Booking.State.HELD


def test_a_replayed_event_changes_nothing(client, fake, video):
    booking, session_id = book(client, fake, video)
    body, headers = fake.complete_session(session_id)
    assert deliver(client, body, headers).status_code == 200
    events, mails = OrderEvent.objects.count(), len(mail.outbox)
    assert deliver(client, body, fake.sign(body)).status_code == 200
    assert OrderEvent.objects.count() == events and len(mail.outbox) == mails
    booking.order.refresh_from_db()
    assert booking.order.amount_paid == Decimal("900.00")


def test_an_expiry_after_the_payment_leaves_the_booking_confirmed(client, fake, video):
    booking, session_id = book(client, fake, video)
    paid = fake.complete_session(session_id)
    expired = fake.expire_session(session_id)
    assert deliver(client, *paid).status_code == 200
    assert deliver(client, *expired).status_code == 200
    booking.refresh_from_db()
    assert booking.state == Booking.State.CONFIRMED
    assert booking.order.status == Order.Status.PAID


def test_a_refund_announced_before_the_payment_ends_refunded_not_booked(client, fake, video):
    booking, session_id = book(client, fake, video)
    paid = fake.complete_session(session_id)
    intent = next(iter(fake.payment_intents))
    with StripeProvider(
        secret_key=fake.secret_key, webhook_secret=fake.webhook_secret, api_base=fake.url
    ) as stripe:
        refund = stripe.refund(
            payment_ref=intent,
            amount=Decimal("900.00"),
            currency="SEK",
            reference=booking.order.reference,
            callback_url="",
            idempotency_key="dashboard-refund",
        )
    assert deliver(client, *fake.refund_event(refund.refund_ref)).status_code == 200
    assert deliver(client, *paid).status_code == 200
    booking.refresh_from_db()
    assert booking.state == Booking.State.CANCELLED
    assert booking.order.status == Order.Status.REFUNDED


def test_cancelling_in_time_refunds_in_full_through_stripe_and_deletes_the_meeting(
    client, fake, video
):
    booking, session_id = book(client, fake, video)
    deliver(client, *fake.complete_session(session_id))
    booking.refresh_from_db()
    mail.outbox.clear()
    url = f"/boka/avboka/{booking_token(booking, 'cancel')}/"
    assert "900,00" in client.get(url).content.decode()
    assert client.post(url).status_code == 200

    booking.refresh_from_db()
    assert booking.state == Booking.State.CANCELLED
    refund = Refund.objects.get(order=booking.order)
    assert refund.status == Refund.Status.DONE
    booking.order.refresh_from_db()
    assert booking.order.status == Order.Status.REFUNDED
    assert booking.order.amount_refunded == Decimal("900.00")
    assert all(m.deleted for m in fake.zoom.meetings.values())
    # The webhook announcing the same refund does not count it twice.
    assert deliver(client, *fake.refund_event(refund.provider_refund_ref)).status_code == 200
    booking.order.refresh_from_db()
    assert booking.order.amount_refunded == Decimal("900.00")
    assert {"refunded", "refund_requested"} <= set(
        booking.order.events.values_list("kind", flat=True)
    )
    refunded, cancelled = sorted(sent_to("astrid1@example.se"), key=lambda m: "avbokad" in m.body)
    assert "900,00 kr" in cancelled.body and "avbokad" in cancelled.body
    # P20: the refund is confirmed once the provider has sent the money back.
    assert "Jag har betalat tillbaka 900,00 kr" in refunded.body
    # The slot is free again.
    links = slot_links(client.get(f"/boka/{video.pk}/").content.decode(), video)
    assert booking.starts_at.strftime("%Y%m%dT%H%MZ") in links[0]


def test_cancelling_late_gives_no_refund(client, fake, video):
    booking, session_id = book(client, fake, video)
    deliver(client, *fake.complete_session(session_id))
    booking.refresh_from_db()
    with time_machine.travel(booking.starts_at - timedelta(hours=2), tick=True):
        url = f"/boka/avboka/{booking_token(booking, 'cancel')}/"
        assert "0,00" in client.get(url).content.decode()
        client.post(url)
    booking.refresh_from_db()
    assert booking.state == Booking.State.CANCELLED
    assert not Refund.objects.exists()
    booking.order.refresh_from_db()
    assert booking.order.status == Order.Status.PAID


def test_an_unpaid_hold_expires_and_frees_the_slot(client, fake, video):
    booking, _session_id = book(client, fake, video)
    assert active_bookings() == 1
    with time_machine.travel(NOW + timedelta(minutes=16), tick=True):
        assert booking_expire_holds() == 1
    booking.refresh_from_db()
    assert booking.state == Booking.State.EXPIRED
    assert booking.order.status == Order.Status.CANCELLED


def test_money_after_an_expired_hold_confirms_if_the_slot_is_still_free(client, fake, video):
    booking, session_id = book(client, fake, video)
    with time_machine.travel(NOW + timedelta(minutes=20), tick=True):
        booking_expire_holds()
        deliver(client, *fake.complete_session(session_id))
    booking.refresh_from_db()
    assert booking.state == Booking.State.CONFIRMED


def test_money_after_an_expired_hold_is_refunded_when_the_slot_was_taken(client, fake, video):
    booking, session_id = book(client, fake, video)
    with time_machine.travel(NOW + timedelta(minutes=20), tick=True):
        booking_expire_holds()
        other, _ = book(client, fake, video, n=2)
        assert other.starts_at == booking.starts_at
        deliver(client, *fake.complete_session(session_id))
    booking.refresh_from_db()
    assert booking.state == Booking.State.EXPIRED
    refund = Refund.objects.get(order=booking.order)
    assert refund.status == Refund.Status.DONE and refund.reason == "slot_taken"
    assert active_bookings() == 1
    assert any("någon annan" in m.subject for m in sent_to("astrid1@example.se"))


def test_giving_up_at_checkout_releases_the_slot(client, fake, video):
    booking, session_id = book(client, fake, video)
    cancel_url = fake.sessions[session_id]["cancel_url"].removeprefix("https://praktik.example")
    response = client.get(cancel_url)
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.state == Booking.State.EXPIRED
    assert active_bookings() == 0


def test_the_booking_form_lets_the_browser_follow_the_redirect_to_checkout(client, fake, video):
    # Browsers hold the redirect after a form post to the form page's CSP form-action: without
    # the checkout origin there, a real browser stays on the form (tests/test_browser_walk.py).
    links = slot_links(client.get(f"/boka/{video.pk}/").content.decode(), video)
    policy = client.get(links[0])["Content-Security-Policy"]
    form_action = next(p for p in policy.split(";") if p.strip().startswith("form-action"))
    assert "'self'" in form_action and "https://checkout.stripe.com" in form_action
    assert fake.url.rstrip("/") in form_action  # the local fake's checkout page
    assert "checkout.stripe.com" not in client.get("/")["Content-Security-Policy"]


def test_an_english_visitor_paying_by_card_stays_in_english_with_her_receipt_and_card(
    client, fake, video
):
    video.name_en = "Video session 50 min"
    video.save()
    link = slot_links(client.get(f"/boka/{video.pk}/").content.decode(), video)[0]
    response = client.post("/en/book/" + link.removeprefix("/boka/"), form("card", 1))
    booking = Booking.objects.get(person__email="astrid1@example.se")
    session_id = booking.order.provider_ref
    assert booking.language == "en" and response.status_code == 302
    # As Stripe sends it: the payment intent by id; the card is read from its latest charge.
    body, headers = fake.complete_session(session_id, card_last4="1881", card_exp=(3, 2029))
    assert deliver(client, body, headers).status_code == 200
    booking.order.refresh_from_db()
    assert (booking.order.card_last4, booking.order.card_expiry) == ("1881", "03/2029")
    # Declared with the order (kept as long as it), so her export shows them, read as words.
    archive = zipfile.ZipFile(io.BytesIO(export_zip(booking.person, language="en")))
    assert '"card_last4": "1881"' in archive.read("data.json").decode()
    readable = archive.read("index.html").decode()
    assert "1881" in readable and "03/2029" in readable

    # Back from Checkout (a fixed address without a language): her English page.
    back = client.get(fake.success_url(session_id))
    assert back["Location"].startswith("/en/")
    page = client.get(back["Location"]).content.decode()
    assert "Confirmed" in page and "Bekräftad" not in page and "Video session 50 min" in page

    [confirmation] = sent_to("astrid1@example.se")
    [(name, data, _type)] = [a for a in confirmation.attachments if a[0].endswith(".pdf")]
    assert name.startswith("receipt-K2026-")
    receipt = _pdf_text(data)
    assert "Video session 50 min" in receipt and "SEK 900.00" in receipt and "kr" not in receipt

    # Cancelled in time: the refund mail names the service in English, amounts the English way.
    mail.outbox.clear()
    cancel = f"/en/book/cancel/{booking_token(booking, 'cancel')}/"
    assert client.post(cancel).status_code == 200
    bodies = " ".join(m.body for m in sent_to("astrid1@example.se"))
    assert "SEK 900.00" in bodies and "Video session 50 min" in bodies
    assert "900,00" not in bodies and "Videokonsultation" not in bodies


def _pdf_text(data: bytes) -> str:
    return " ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).replace(
        "\u00a0", " "
    )
