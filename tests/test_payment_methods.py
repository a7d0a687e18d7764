"""The table of methods, and the README's configuration table made from it.

Adding a payment method is a folder and a row: a fictional fourth card provider (Kortia,
tests/fourth_method/) registered in the table of methods is offered on the booking page, takes
the payment through the common webhook address, and the booking is confirmed, booked on the
card clearing account and receipted, with no change anywhere else in the house."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import time_machine

from consonance.booking.models import Booking
from consonance.bookkeeping.models import Document, Voucher, VoucherRow
from consonance.payments import methods
from consonance.payments.models import Order
from consonance.payments.providers import config
from tests.factories import NOW, form, make_practice, slot_links
from tests.fourth_method.method import METHOD

README = Path(__file__).resolve().parent.parent / "README.md"


def test_each_method_has_one_row_and_the_order_they_are_offered_in():
    rows = methods.all_methods()
    assert [row.value for row in rows] == ["card", "swish", "paypal", "bankgiro"]
    assert {row.value for row in rows} == set(Order.Method.values)
    assert [row.value for row in rows if row.document == "invoice"] == ["bankgiro"]
    assert [row.value for row in rows if row.provider_held] == ["card", "paypal"]


def test_the_readme_configuration_table_of_the_methods_is_generated_from_the_table():
    readme = README.read_text()
    assert methods.readme_with_methods_table(readme) == readme, (
        "the README's payment methods' table is stale: run `consonance docs methods --write`"
    )


@pytest.fixture
def kortia(settings):
    settings.SITE_URL = "https://praktik.example"
    settings.BANKGIRO_NUMBER = ""
    settings.VIDEO_LINK = "https://meet.example/rum"
    settings.KORTIA_SECRET = "kortia-test-secret"
    methods.register(METHOD)
    try:
        with time_machine.travel(NOW, tick=True):
            yield METHOD.build()
    finally:
        methods.unregister(METHOD.value)


@pytest.mark.django_db(transaction=True)
def test_the_table_offers_the_new_method_in_its_place(kortia):
    assert config.configured_methods() == ["kortia"]
    assert methods.of_provider("kortia") is METHOD
    assert "https://pay.kortia.example" in config.checkout_origins()
    assert (
        "| `CONSONANCE_KORTIA_SECRET` | card payments through Kortia |" in methods.methods_table()
    )


@pytest.mark.django_db(transaction=True)
def test_a_booking_paid_through_the_fourth_provider_is_confirmed_booked_and_receipted(
    client, kortia
):
    video = make_practice()[0]
    page = client.get(f"/boka/{video.pk}/").content.decode()
    links = slot_links(page, video)
    assert "Kort (Kortia)" in client.get(links[0]).content.decode()

    response = client.post(links[0], form("kortia"))
    booking = Booking.objects.get(person__email="astrid1@example.se")
    order = booking.order
    assert response.status_code == 302
    assert response["Location"] == f"https://pay.kortia.example/{order.provider_ref}"
    assert booking.state == Booking.State.HELD
    start = kortia.payments[order.provider_ref]
    assert start["return_url"].startswith("https://praktik.example/payments/return/")

    body, headers = kortia.paid_event(order.provider_ref)
    hook = "/payments/webhooks/kortia/"
    assert (
        client.post(
            hook, body, content_type="application/json", headers={"Kortia-Signature": "x"}
        ).status_code
        == 400
    )
    signed = {"Kortia-Signature": headers["kortia-signature"]}
    assert (
        client.post(hook, body, content_type="application/json", headers=signed).status_code == 200
    )
    assert (
        client.post(hook, body, content_type="application/json", headers=signed).status_code == 200
    )

    booking.refresh_from_db()
    order.refresh_from_db()
    assert booking.state == Booking.State.CONFIRMED
    assert order.status == Order.Status.PAID and order.amount_paid == Decimal("900.00")
    assert order.card_last4 == "1111"
    voucher = Voucher.objects.get(order=order, kind="payment")
    assert (voucher.method, voucher.provider) == ("kortia", "kortia")
    card_clearing = VoucherRow.objects.get(voucher=voucher, amount__gt=0)
    assert card_clearing.account == "1580"  # the card clearing account: the row's holder
    receipt = Document.objects.get(order=order)
    assert receipt.kind == Document.Kind.RECEIPT
