"""Booking paid with PayPal, end to end over HTTP against the local fake."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlsplit

import pytest
import time_machine

from consonance.booking.models import Booking
from consonance.booking.tokens import booking_token
from consonance.payments.models import Order, OrderEvent, Refund
from consonance.payments.providers.paypal.fake import PayPalFake
from tests.factories import NOW, form, make_practice, slot_links

pytestmark = pytest.mark.django_db(transaction=True)
HOOK = "/payments/webhooks/paypal/"


@pytest.fixture
def fake(settings):
    settings.SITE_URL = "https://praktik.example"
    settings.BANKGIRO_NUMBER = ""
    settings.STRIPE_SECRET_KEY = ""
    settings.VIDEO_LINK = "https://video.example/rum"
    with PayPalFake() as paypal:
        settings.PAYPAL_CLIENT_ID = paypal.client_id
        settings.PAYPAL_CLIENT_SECRET = paypal.client_secret
        settings.PAYPAL_WEBHOOK_ID = paypal.webhook_id
        settings.PAYPAL_API_BASE = paypal.url
        with time_machine.travel(NOW, tick=True):
            yield paypal


@pytest.fixture
def video(fake):
    return make_practice()[0]


def book(client, fake, video, n=1):
    links = slot_links(client.get(f"/boka/{video.pk}/").content.decode(), video)
    response = client.post(links[0], form("paypal", n))
    assert response.status_code == 302
    booking = Booking.objects.get(person__email=f"astrid{n}@example.se")
    assert response["Location"].startswith(fake.url + "/checkoutnow?token=")
    return booking, booking.order.provider_ref


def come_back(client, fake, order_id):
    back = urlsplit(fake.approve(order_id))
    assert back.netloc == "praktik.example"
    return client.get(f"{back.path}?{back.query}")


def deliver(client, body, headers):
    return client.post(
        HOOK,
        data=body,
        content_type="application/json",
        headers={k: v for k, v in headers.items() if k != "Content-Type"},
    )


def test_returning_from_paypal_captures_and_confirms(client, fake, video):
    booking, order_id = book(client, fake, video)
    response = come_back(client, fake, order_id)
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.state == Booking.State.CONFIRMED
    assert booking.order.status == Order.Status.PAID
    assert booking.order.payment_ref in fake.captures
    # The webhook announcing the same capture later does not count it twice.
    assert deliver(client, *fake.capture_webhook(booking.order.payment_ref)).status_code == 200
    booking.order.refresh_from_db()
    assert booking.order.amount_paid == Decimal("900.00")


def test_a_payer_who_never_returns_is_captured_from_the_approval_webhook(client, fake, video):
    booking, order_id = book(client, fake, video)
    fake.approve(order_id)
    assert deliver(client, *fake.order_approved_webhook(order_id)).status_code == 200
    booking.refresh_from_db()
    assert booking.state == Booking.State.CONFIRMED


def test_a_forged_webhook_is_refused(client, fake, video):
    booking, order_id = book(client, fake, video)
    fake.approve(order_id)
    body, _headers = fake.order_approved_webhook(order_id)
    assert deliver(client, body, fake.forge(body)).status_code == 400
    booking.refresh_from_db()
    assert booking.state == Booking.State.HELD


def test_a_replayed_webhook_changes_nothing(client, fake, video):
    booking, order_id = book(client, fake, video)
    come_back(client, fake, order_id)
    booking.refresh_from_db()
    body, headers = fake.capture_webhook(booking.order.payment_ref)
    deliver(client, body, headers)
    events = OrderEvent.objects.count()
    assert deliver(client, body, fake.sign(body)).status_code == 200
    assert OrderEvent.objects.count() == events


def test_a_denial_after_the_completion_leaves_the_booking_paid(client, fake, video):
    booking, order_id = book(client, fake, video)
    come_back(client, fake, order_id)
    booking.refresh_from_db()
    denied = fake.settle_capture(booking.order.payment_ref, completed=False)
    assert deliver(client, *denied).status_code == 200
    booking.refresh_from_db()
    assert booking.state == Booking.State.CONFIRMED


def test_cancelling_refunds_through_paypal(client, fake, video):
    booking, order_id = book(client, fake, video)
    come_back(client, fake, order_id)
    booking.refresh_from_db()
    url = f"/boka/avboka/{booking_token(booking, 'cancel')}/"
    assert client.post(url).status_code == 200
    refund = Refund.objects.get(order=booking.order)
    assert refund.status == Refund.Status.DONE
    assert refund.provider_refund_ref in fake.refunds
    assert deliver(client, *fake.refund_webhook(refund.provider_refund_ref)).status_code == 200
    booking.order.refresh_from_db()
    assert booking.order.status == Order.Status.REFUNDED
    assert booking.order.amount_refunded == Decimal("900.00")
