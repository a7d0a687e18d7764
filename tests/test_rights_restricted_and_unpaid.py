"""Restricted clients and unpaid reservations (issue 17, item 10): the coach's page says what a
restriction really stops (her own booking goes ahead, by her consent), and an erasure names the
unpaid reservation it removes and the invoice she must then not pay, on the page and the receipt."""

from __future__ import annotations

import pytest
from django.core import mail

from consonance.booking.models import Booking
from consonance.bookkeeping.models import Document
from consonance.people.models import Person
from consonance.rights.models import ErasureReceipt
from consonance.rights.services import restriction_start
from tests.factories import book_by_bankgiro, sent_to, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_staff_page_says_what_a_restriction_really_stops(staff_client, practice):
    client_person = Person.objects.create(
        email="vera@example.se", first_name="Vera", last_name="Berg"
    )
    restriction_start(person=client_person, reason="accuracy", actor="person:1")
    page = staff_client.get("/staff/rights/").content.decode()
    assert "Bokning och utskick är spärrade" not in page
    assert "Bokar de själva ett samtal är det deras eget samtycke" in page
    card = staff_client.get(f"/staff/web/clients/{client_person.pk}/").content.decode()
    assert "bokar hon själv gäller bokningen" in card


def test_an_erasure_names_the_unpaid_reservation_and_the_invoice_not_to_pay(client, practice):
    video, _ = practice
    _, booking = book_by_bankgiro(client, video)
    assert booking.state == Booking.State.HELD
    invoice = Document.objects.get(order=booking.order, kind=Document.Kind.INVOICE)
    number = invoice.label
    assert number.startswith("F2026-")

    sign_in(client, "astrid1@example.se")
    page = client.get("/mina-uppgifter/radera/").content.decode()
    assert "Du har reserverat tider som inte är betalda" in page
    assert "inte betald, reservationen tas bort" in page
    assert f"Betala inte faktura {number}" in page

    mail.outbox.clear()
    response = client.post("/mina-uppgifter/radera/", {"confirm": "on"})
    assert response.status_code == 302
    assert not Booking.objects.filter(pk=booking.pk).exists()
    assert Document.objects.filter(pk=invoice.pk).exists()  # kept: bookkeeping (seven years)
    receipt = ErasureReceipt.objects.get()
    [line] = receipt.sessions
    assert (
        "inte betald, reservationen togs bort" in line and f"Betala inte faktura {number}" in line
    )
    [mailed] = [m for m in sent_to("astrid1@example.se") if "raderade" in m.body.lower()]
    assert f"Betala inte faktura {number}" in mailed.body and "Dina bokningar:" in mailed.body
    shown = client.get(response["Location"]).content.decode()
    assert f"Betala inte faktura {number}" in shown and "Dina bokningar" in shown
