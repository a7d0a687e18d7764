"""The coach pays back all or part of a payment; never more than was paid; the client is told."""

from __future__ import annotations

from decimal import Decimal

import pytest
import time_machine
from django.core import mail

from consonance.audit.services import SYSTEM
from consonance.booking.models import Booking
from consonance.payments.models import Order, Refund
from consonance.payments.providers.stripe.fake import StripeFake
from consonance.payments.refunds import RefundRefused, refund_mark_done, refund_request
from tests.factories import NOW, confirmed_booking, form, make_practice, sent_to, slot_links


@pytest.mark.django_db
def test_a_partial_bankgiro_refund_becomes_a_task_and_the_client_is_told_when_done(
    staff_client, practice, django_capture_on_commit_callbacks
):
    video, _ = practice
    booking = confirmed_booking(video, None, method=Order.Method.BANKGIRO)
    order = booking.order
    page = staff_client.get(f"/staff/payments/{order.pk}/").content.decode()
    assert "högst 900,00 kr" in page
    staff_client.post(f"/staff/payments/{order.pk}/aterbetala/", {"amount": "300"})
    refund = Refund.objects.get(order=order)
    assert refund.amount == Decimal("300.00") and refund.status == Refund.Status.MANUAL
    # More than is left (600,00 kr): the form says so and nothing is created.
    response = staff_client.post(f"/staff/payments/{order.pk}/aterbetala/", {"amount": "700"})
    assert response.status_code == 400 and "mer än som går" in response.content.decode()
    assert (
        staff_client.post(f"/staff/payments/{order.pk}/aterbetala/", {"amount": "-5"}).status_code
        == 400
    )
    assert Refund.objects.filter(order=order).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(f"/staff/payments/aterbetalningar/{refund.pk}/klar/")
    order.refresh_from_db()
    assert order.amount_refunded == Decimal("300.00") and order.status == Order.Status.PAID
    [message] = sent_to("astrid@example.se")
    assert "Jag har betalat tillbaka 300,00 kr" in message.body
    page = staff_client.get(f"/staff/payments/{order.pk}/").content.decode()
    assert "högst 600,00 kr" in page and "Återbetalt" in page and "refund_requested" not in page


@pytest.mark.django_db
def test_refunds_never_add_up_to_more_than_was_paid(practice):
    video, _ = practice
    order = confirmed_booking(video, None, method=Order.Method.BANKGIRO).order
    first = refund_request(order=order, amount=Decimal("900.00"), reason="cancelled", actor=SYSTEM)
    with pytest.raises(RefundRefused):
        refund_request(order=order, amount=Decimal("1.00"), reason="coach", actor=SYSTEM)
    # A duplicate task (as an older version could make) is refused when marked done.
    second = Refund.objects.create(
        order=order, amount=Decimal("900.00"), reason="cancelled", status=Refund.Status.MANUAL
    )
    assert refund_mark_done(refund_id=first.pk, actor=SYSTEM)
    assert not refund_mark_done(refund_id=second.pk, actor=SYSTEM)
    order.refresh_from_db()
    assert order.amount_refunded == Decimal("900.00") and order.status == Order.Status.REFUNDED


@pytest.fixture
def stripe(settings):
    settings.SITE_URL = "https://praktik.example"
    settings.BANKGIRO_NUMBER = ""
    settings.VIDEO_LINK = "https://video.example/rum"
    with StripeFake() as fake:
        settings.STRIPE_SECRET_KEY = fake.secret_key
        settings.STRIPE_WEBHOOK_SECRET = fake.webhook_secret
        settings.STRIPE_API_BASE = fake.url
        with time_machine.travel(NOW, tick=True):
            yield fake


@pytest.mark.django_db(transaction=True)
def test_the_coach_refunds_part_of_a_card_payment_through_stripe(client, staff_client, stripe):
    video = make_practice()[0]
    links = slot_links(client.get(f"/boka/{video.pk}/").content.decode(), video)
    client.post(links[0], form("card"))
    booking = Booking.objects.get()
    body, headers = stripe.complete_session(booking.order.provider_ref)
    client.post(
        "/payments/webhooks/stripe/",
        data=body,
        content_type="application/json",
        headers={"Stripe-Signature": headers["Stripe-Signature"]},
    )
    order = Order.objects.get()
    assert order.status == Order.Status.PAID
    mail.outbox.clear()
    response = staff_client.post(
        f"/staff/payments/{order.pk}/aterbetala/", {"amount": "250,50"}, follow=True
    )
    assert "Återbetalningen är på väg" in response.content.decode()
    refund = Refund.objects.get()
    assert refund.status == Refund.Status.DONE and refund.provider_refund_ref
    order.refresh_from_db()
    assert order.amount_refunded == Decimal("250.50") and order.status == Order.Status.PAID
    [message] = sent_to("astrid1@example.se")
    assert "250,50 kr" in message.body and "samma sätt som du betalade" in message.body
