"""A person who came in through the public booking flow is erased without residue."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from consonance.booking.models import Booking
from consonance.bookkeeping.models import Voucher
from consonance.payments.models import BillingDetails, Order, OrderEvent
from consonance.people.models import Person
from tests.factories import book_by_bankgiro, pay, sign_in

pytestmark = pytest.mark.django_db(transaction=True)
EMAIL = "astrid1@example.se"


def test_a_client_who_booked_and_paid_is_erased_and_only_bookkeeping_is_kept(
    client,
    practice,
    django_capture_on_commit_callbacks,
    capsys,
):
    video, _ = practice
    _response, booking = book_by_bankgiro(client, video)
    pay(booking.order)
    booking.refresh_from_db()
    assert booking.state == Booking.State.CONFIRMED
    person = Person.objects.get(email=EMAIL)
    # Bookkeeping has no public flow of its own yet: the voucher the payment would produce.
    voucher = Voucher.objects.create(
        number=1,
        date=dt.date(2026, 3, 16),
        fiscal_year_end=dt.date(2026, 12, 31),
        description=f"Order {booking.order.reference}",
        amount=booking.order.amount,
        payer_name="Astrid Lindqvist",
        order_reference=booking.order.reference,
        person=person,
    )

    client.logout()
    # After the session has taken place (before it, the privacy center asks what becomes of it:
    # tests/test_rights_sessions.py).
    with time_machine.travel(booking.ends_at + dt.timedelta(hours=1), tick=True):
        sign_in(client, EMAIL)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/mina-uppgifter/radera/", {"confirm": "on"})
    assert response.status_code == 302 and "/kvitto/" in response["Location"]

    assert not Person.objects.filter(email=EMAIL).exists()
    assert not Booking.objects.filter(pk=booking.pk).exists()
    assert not Order.objects.filter(payer_email=EMAIL).exists()
    assert not BillingDetails.objects.filter(email=EMAIL).exists()
    assert not OrderEvent.objects.filter(order_id=booking.order_id).exists()
    voucher.refresh_from_db()
    assert voucher.person_id is None

    capsys.readouterr()
    call_command("rights", "verify-erasure", "--email", EMAIL, "--deep", "--json")
    report = json.loads(capsys.readouterr().out)
    assert not report.get("residue")
    receipts = [m for m in mail.outbox if m.to == [EMAIL] and "radering" in m.subject]
    assert len(receipts) == 1
