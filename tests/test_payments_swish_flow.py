"""Booking paid with Swish, end to end over HTTP against the local mTLS fake."""

from __future__ import annotations

from decimal import Decimal

import pytest
import time_machine

from consonance.booking.models import Booking
from consonance.booking.tokens import booking_token
from consonance.payments.models import BillingDetails, Order, Refund
from consonance.payments.providers.swish.fake import (
    CLIENT_KEY_PASSPHRASE,
    MERCHANT_ALIAS,
    FakeSwishServer,
    make_pki,
)
from tests.factories import NOW, form, make_practice, slot_links

pytestmark = pytest.mark.django_db(transaction=True)
HOOK = "/payments/webhooks/swish/"


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return make_pki(tmp_path_factory.mktemp("swish-pki"))


@pytest.fixture
def fake(settings, pki):
    settings.SITE_URL = "https://praktik.example"
    settings.BANKGIRO_NUMBER = ""
    settings.STRIPE_SECRET_KEY = ""
    with FakeSwishServer(pki) as swish:
        settings.SWISH_PAYEE_ALIAS = MERCHANT_ALIAS
        settings.SWISH_CERT = str(pki.client_cert)
        settings.SWISH_KEY = str(pki.client_key)
        settings.SWISH_KEY_PASSPHRASE = CLIENT_KEY_PASSPHRASE
        settings.SWISH_CA = str(pki.ca_cert)
        settings.SWISH_API_BASE = swish.base_url
        with time_machine.travel(NOW, tick=True):
            yield swish


@pytest.fixture
def video(fake):
    return make_practice()[0]


def book(client, video, n=1, **extra):
    links = slot_links(client.get(f"/boka/{video.pk}/").content.decode(), video)
    response = client.post(links[0], form("swish", n, **extra))
    assert response.status_code == 302
    booking = Booking.objects.get(person__email=f"astrid{n}@example.se")
    return booking, booking.order.provider_ref, response["Location"]


def callback(client, body):
    return client.post(HOOK, data=body, content_type="application/json")


def test_swish_without_a_phone_number_shows_a_qr_code_until_paid(client, fake, video):
    booking, instruction, status_url = book(client, video)
    assert "?swish=" in status_url
    page = client.get(status_url)
    assert page["Refresh"] == "5"
    assert "<svg" in page.content.decode()
    assert BillingDetails.objects.get(order=booking.order).phone == ""

    fake.mark_paid(instruction)
    assert callback(client, fake.callback_body(instruction)).status_code == 200
    booking.refresh_from_db()
    assert booking.state == Booking.State.CONFIRMED
    page = client.get(status_url)
    assert "Refresh" not in page


def test_swish_with_a_phone_number_sends_the_request_to_that_phone(client, fake, video):
    booking, instruction, _ = book(client, video, phone="070-123 45 67")
    assert fake.payment(instruction).fields["payerAlias"] == "46701234567"
    assert BillingDetails.objects.get(order=booking.order).phone == "46701234567"


def test_a_forged_paid_callback_changes_nothing(client, fake, video):
    booking, instruction, _ = book(client, video)
    forged = fake.callback_body(instruction).replace(b'"CREATED"', b'"PAID"')
    assert callback(client, forged).status_code == 200  # Swish itself says CREATED
    unknown = b'{"id": "0123456789ABCDEF0123456789ABCDEF", "status": "PAID"}'
    assert callback(client, unknown).status_code == 400
    assert callback(client, b"not json").status_code == 400
    booking.refresh_from_db()
    assert booking.state == Booking.State.HELD


def test_a_replayed_callback_changes_nothing(client, fake, video):
    booking, instruction, _ = book(client, video)
    fake.mark_paid(instruction)
    body = fake.callback_body(instruction)
    callback(client, body)
    callback(client, body)
    booking.order.refresh_from_db()
    assert booking.order.amount_paid == Decimal("900.00")


def test_a_declined_payment_releases_the_slot(client, fake, video):
    booking, instruction, _ = book(client, video)
    fake.mark_declined(instruction)
    callback(client, fake.callback_body(instruction))
    booking.refresh_from_db()
    assert booking.state == Booking.State.EXPIRED
    assert booking.order.status == Order.Status.CANCELLED


def test_cancelling_refunds_through_swish_once_swish_reports_it_paid(client, fake, video):
    booking, instruction, _ = book(client, video)
    fake.mark_paid(instruction)
    callback(client, fake.callback_body(instruction))
    booking.refresh_from_db()
    client.post(f"/boka/avboka/{booking_token(booking, 'cancel')}/")
    refund = Refund.objects.get(order=booking.order)
    assert refund.status == Refund.Status.PENDING
    fake.settle_refund(refund.provider_refund_ref)
    assert (
        callback(client, fake.refund_callback_body(refund.provider_refund_ref)).status_code == 200
    )
    refund.refresh_from_db()
    assert refund.status == Refund.Status.DONE
    booking.order.refresh_from_db()
    assert booking.order.status == Order.Status.REFUNDED


def test_a_swish_refund_the_api_refuses_becomes_a_task_for_the_coach(client, fake, video):
    booking, instruction, _ = book(client, video)
    fake.mark_paid(instruction)
    callback(client, fake.callback_body(instruction))
    booking.refresh_from_db()
    fake.fail_next("RF07")
    client.post(f"/boka/avboka/{booking_token(booking, 'cancel')}/")
    refund = Refund.objects.get(order=booking.order)
    assert refund.status == Refund.Status.MANUAL
    assert refund.error_code == "RF07"
