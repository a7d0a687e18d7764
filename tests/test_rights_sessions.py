"""Erasure and restriction with an upcoming paid session ask the client first, tell the coach,
and never drop a paid session silently (P13, P26, P27)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core import mail

from consonance.booking.models import Booking
from consonance.payments.models import Order, Refund
from consonance.people.models import Person
from consonance.rights.models import ErasureReceipt, Request, Restriction
from consonance.rights.services import restriction_lift
from consonance.rights.sessions import DEFERRED, deferred_erasures_run
from tests.factories import STAFF_EMAIL, confirmed_booking, sent_to, sign_in, staff_mail

pytestmark = pytest.mark.django_db(transaction=True)

THURSDAY_10 = datetime(2026, 3, 19, 9, 0, tzinfo=UTC)
EMAIL = "astrid@example.se"


@pytest.fixture
def booked(settings, practice):
    settings.CONSONANCE_STAFF_EMAIL = STAFF_EMAIL
    video, _ = practice
    return confirmed_booking(video, THURSDAY_10, method=Order.Method.BANKGIRO)


def test_erasure_asks_first_and_cancelling_waits_for_the_refund(client, booked):
    sign_in(client, EMAIL)
    page = client.get("/mina-uppgifter/radera/").content.decode()
    assert "Du har bokade samtal framför dig" in page and "19 mars 2026 10:00" in page
    assert "avbokar du nu får du tillbaka 900,00 kr" in page
    # Without an answer about the session nothing happens.
    response = client.post("/mina-uppgifter/radera/", {"confirm": "on"})
    assert response.status_code == 200 and Person.objects.filter(email=EMAIL).exists()

    client.post("/mina-uppgifter/radera/", {"confirm": "on", "sessions": "cancel"})
    booked.refresh_from_db()
    assert booked.state == Booking.State.CANCELLED
    refund = Refund.objects.get(order=booked.order)
    assert refund.amount == Decimal("900.00") and refund.status == Refund.Status.MANUAL
    # Her orders (and so the refund) would go with her: the erasure waits for the money.
    assert Person.objects.filter(email=EMAIL).exists()
    assert Request.objects.get(kind=Request.Kind.ERASURE, note=DEFERRED).state == "open"
    coach = [m for m in staff_mail() if "Radering" in m.subject]
    assert coach and "avbokat, 900,00 kr betalas tillbaka" in coach[-1].body
    assert "Astrid" not in coach[-1].body
    assert deferred_erasures_run() == 0

    # The coach pays it back; the next run erases her, and the refund is recorded first.
    client.logout()
    Refund.objects.filter(pk=refund.pk).update(status=Refund.Status.DONE)
    mail.outbox.clear()
    assert deferred_erasures_run() == 1
    assert not Person.objects.filter(email=EMAIL).exists()
    assert ErasureReceipt.objects.count() == 1
    [receipt_mail] = sent_to(EMAIL)
    assert "raderade" in receipt_mail.body
    # The receipt still says what became of the session, though it was cancelled days before.
    assert "19 mars 2026 10:00" in receipt_mail.body and "avbokat, 900,00" in receipt_mail.body


def test_keeping_the_session_defers_the_erasure_until_it_has_taken_place(client, booked):
    sign_in(client, EMAIL)
    response = client.post(
        "/mina-uppgifter/radera/", {"confirm": "on", "sessions": "keep"}, follow=True
    )
    assert "Dina samtal står kvar" in response.content.decode()
    booked.refresh_from_db()
    assert booked.state == Booking.State.CONFIRMED
    assert Person.objects.filter(email=EMAIL).exists()
    [coach] = [m for m in staff_mail() if "Radering" in m.subject]
    assert "vill behålla" in coach.body and "19 mars 2026 10:00" in coach.body
    assert deferred_erasures_run() == 0
    with time_machine.travel(THURSDAY_10 + timedelta(hours=2), tick=False):
        assert deferred_erasures_run() == 1
    assert not Person.objects.filter(email=EMAIL).exists()
    [line] = ErasureReceipt.objects.get().sessions
    assert "19 mars 2026 10:00" in line and "stod kvar tills samtalet hade ägt rum" in line


def test_an_erasure_that_cancels_a_free_session_is_done_at_once_with_its_line_on_the_receipt(
    client, settings, practice
):
    settings.CONSONANCE_STAFF_EMAIL = STAFF_EMAIL
    video, _ = practice
    booking = confirmed_booking(video, THURSDAY_10)
    Order.objects.filter(pk=booking.order_id).update(amount_paid=0)  # nothing paid: no refund
    sign_in(client, EMAIL)
    response = client.post("/mina-uppgifter/radera/", {"confirm": "on", "sessions": "cancel"})
    assert response.status_code == 302
    receipt = ErasureReceipt.objects.get()
    assert receipt.sessions and "avbokat, inget återbetalas" in receipt.sessions[0]
    page = client.get(response["Location"]).content.decode()
    assert "Dina bokningar" in page and "avbokat" in page


def test_restriction_asks_too_and_tells_the_coach(client, booked):
    sign_in(client, EMAIL)
    page = client.get("/mina-uppgifter/begransa/").content.decode()
    assert "Du har bokade samtal framför dig" in page
    client.post("/mina-uppgifter/begransa/", {"reason": "accuracy", "sessions": "keep"})
    assert Restriction.objects.filter(person__email=EMAIL).exists()
    booked.refresh_from_db()
    assert booked.state == Booking.State.CONFIRMED
    [coach] = [m for m in staff_mail() if "Begränsad" in m.subject]
    assert "står kvar" in coach.subject
    restriction_lift(person=booked.person, actor="test")
    client.post("/mina-uppgifter/begransa/", {"reason": "accuracy", "sessions": "cancel"})
    booked.refresh_from_db()
    assert booked.state == Booking.State.CANCELLED
