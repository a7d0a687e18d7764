"""A Bankgiro refund asks the payer for her account on a signed page (never by e-mail); the
account is stored encrypted, read by the coach only on request (audited), exported, erased, and
deleted by the policy soon after the refund is done."""

from __future__ import annotations

import io
import json
import logging
import re
import zipfile
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import Client

from consonance.audit.models import Event
from consonance.booking.tokens import booking_token
from consonance.payments.models import Order, Refund, RefundAccount
from consonance.privacy.retention import retention_run
from consonance.rights.erasure import person_erase
from tests.factories import (
    NOW,
    STAFF_EMAIL,
    book_by_bankgiro,
    confirmed_booking,
    link_in,
    pay,
    sent_to,
)

pytestmark = pytest.mark.django_db(transaction=True)

CLEARING, NUMBER, HOLDER = "8327-9", "123 456 789-7", "Birgitta Holm"
STORED = "1234567897"  # the number as stored and shown to the coach
PAYER = "astrid1@example.se"


@pytest.fixture
def coach_mail(settings):
    settings.CONSONANCE_STAFF_EMAIL = STAFF_EMAIL


def _cancelled_bankgiro_booking(client, video):
    """Booked and paid by Bankgiro, then cancelled by the client from her link (HTTP)."""
    _, booking = book_by_bankgiro(client, video)
    pay(booking.order)
    mail.outbox.clear()
    assert client.post(f"/boka/avboka/{booking_token(booking, 'cancel')}/").status_code == 200
    return booking


def _account_link() -> str:
    [ask] = [m for m in mail.outbox if "Vart ska jag betala tillbaka" in m.subject]
    return link_in(ask.body, "/aterbetalning/")


def _form(**extra: str) -> dict[str, str]:
    return {"clearing": CLEARING, "number": NUMBER, "holder": HOLDER, **extra}


def _everything_in_the_database() -> str:
    """Every value of every table, read with plain SQL, as text (bytes decoded leniently)."""
    seen = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # our own table names
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        value = bytes(value).decode("latin-1")
                    seen.append(str(value))
    return "\n".join(seen)


def test_a_cancelled_bankgiro_booking_collects_the_account_on_a_page_and_the_coach_pays_it(
    client, staff_client, practice, coach_mail, caplog
):
    caplog.set_level(logging.DEBUG)
    video, _ = practice
    booking = _cancelled_bankgiro_booking(client, video)
    refund = Refund.objects.get(order=booking.order)
    assert refund.status == Refund.Status.MANUAL
    account = RefundAccount.objects.get(refund=refund)
    assert account.received_at is None and account.person_id == booking.person_id

    # Her e-mails: the cancellation names the page, the second one carries the link.
    cancelled = next(m for m in sent_to(PAYER) if "avbokad" in m.body)
    assert "en länk till en säker sida" in cancelled.body and "hör av mig" not in cancelled.body
    [ask] = [m for m in sent_to(PAYER) if "Vart ska jag betala tillbaka 900,00 kr?" in m.subject]
    assert "Jag ska betala tillbaka 900,00 kr" in ask.body and "30 dagar" in ask.body
    path = _account_link()
    assert PAYER.split("@")[0] not in path and "Astrid" not in path and "900" not in path
    assert Event.objects.filter(action="refund_account.requested").count() == 1

    # The coach's lists show that the account has not come yet.
    refunds = staff_client.get("/staff/payments/refunds/").content.decode()
    assert "väntar på kunden" in refunds
    overview = staff_client.get("/staff/").content.decode()
    assert "väntar på kundens kontouppgifter" in overview

    payer = Client()
    page = payer.get(path)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Vart ska pengarna?" in html and "900,00 kr" in html and "Clearingnummer" in html
    assert 'inputmode="numeric"' in html and "width=device-width" in html

    mail.outbox.clear()
    response = payer.post(path, _form())
    assert response.status_code == 302 and response["Location"] == "/aterbetalning/tack/"
    assert STORED not in response["Location"]
    assert "Tack! Uppgifterna har kommit fram" in payer.get(response["Location"]).content.decode()
    account.refresh_from_db()
    assert account.received_at is not None and account.checked
    received = Event.objects.get(action="refund_account.received")
    assert received.actor == f"person:{booking.person_id}" and STORED not in received.detail
    [receipt] = sent_to(PAYER)
    assert "Var det inte du" in receipt.body
    [notice] = sent_to(STAFF_EMAIL)
    assert f"/staff/payments/refunds/{refund.pk}/" in notice.body

    # The link is spent: a calm 410, never the form again.
    again = payer.get(path)
    assert again.status_code == 410 and "redan kommit fram" in again.content.decode()

    # The coach sees that it arrived; the number only when she asks, and that is audited.
    detail = staff_client.get(f"/staff/payments/refunds/{refund.pk}/").content.decode()
    assert "Kontouppgifterna kom" in detail and STORED not in detail
    assert "Order" in detail and "Sortering" not in detail
    assert "kontouppgifterna har kommit" in staff_client.get("/staff/").content.decode()
    shown = staff_client.post(f"/staff/payments/refunds/{refund.pk}/show-account/")
    html = shown.content.decode()
    assert shown.status_code == 200 and STORED in html and "83279" in html
    assert "Swedbank" in html and HOLDER in html
    [revealed] = Event.objects.filter(action="refund_account.revealed")
    assert revealed.actor.startswith("staff:") and revealed.subject_id == booking.person_id

    # Done: the ledger records it, she gets the confirmation, the account goes 14 days later.
    mail.outbox.clear()
    done = staff_client.post(
        f"/staff/payments/refunds/{refund.pk}/done/", {"next": "refund"}, follow=True
    )
    assert "raderas senast 30 mars 2026" in done.content.decode()
    refund.refresh_from_db()
    assert refund.status == Refund.Status.DONE
    assert Order.objects.get(pk=booking.order.pk).amount_refunded == Decimal("900.00")
    [confirmation] = sent_to(PAYER)
    assert "Jag har betalat tillbaka 900,00 kr" in confirmation.body
    assert payer.get(path).status_code == 410

    retention_run(now=NOW + timedelta(days=13))
    assert RefundAccount.objects.filter(pk=account.pk).exists()
    retention_run(now=NOW + timedelta(days=15))
    assert not RefundAccount.objects.filter(pk=account.pk).exists()
    assert Refund.objects.filter(pk=refund.pk, status=Refund.Status.DONE).exists()

    # Never in an e-mail, an audit row or a log line.
    for message in [*mail.outbox, ask, cancelled, receipt, notice]:
        assert STORED not in message.body and "123 456 789" not in message.body
    assert not Event.objects.filter(detail__contains=STORED).exists()
    assert STORED not in caplog.text and HOLDER not in caplog.text


def test_the_account_is_encrypted_at_rest(client, practice):
    video, _ = practice
    _cancelled_bankgiro_booking(client, video)
    assert Client().post(_account_link(), _form()).status_code == 302
    account = RefundAccount.objects.get()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT clearing_number_ciphertext, account_number_ciphertext, holder_name_ciphertext"
            " FROM payments_refundaccount"
        )
        row = cursor.fetchone()
    assert all(row) and all(bytes(value)[:1] == b"\x01" for value in row)
    everything = _everything_in_the_database()
    assert STORED not in everything and HOLDER not in everything and "83279" not in everything
    assert account.checked


def test_bad_input_comes_back_with_clear_swedish_messages_and_nothing_is_lost(client, practice):
    video, _ = practice
    _cancelled_bankgiro_booking(client, video)
    path = _account_link()
    payer = Client()
    cases = [
        ({"clearing": "", "number": ""}, ["Fyll i clearingnumret.", "Fyll i kontonumret."]),
        ({"clearing": "53a5", "number": "0123452"}, ["ska bara innehålla siffror"]),
        ({"clearing": "536", "number": "0123452"}, ["Clearingnumret har fyra siffror"]),
        ({"clearing": "5365", "number": "0123453"}, ["kontrollsiffran blir fel", "SEB"]),
        ({"clearing": "5365", "number": "123456789012"}, ["för många siffror för SEB"]),
        ({"clearing": "0365", "number": "0123452"}, ["Inget clearingnummer börjar på 0"]),
    ]
    for data, messages in cases:
        response = payer.post(path, {"holder": HOLDER, **data})
        html = response.content.decode()
        assert response.status_code == 400, data
        assert "Något behöver rättas" in html
        for message in messages:
            assert message in html, (data, message)
        for value in (*data.values(), HOLDER):
            assert f'value="{value}"' in html or not value, (data, value)
    assert RefundAccount.objects.get().received_at is None

    # A series the table does not know: she may send it once she has confirmed it.
    unknown = payer.post(path, {"clearing": "9999", "number": "12345678", "holder": ""})
    assert unknown.status_code == 400
    assert "känner inte igen clearingnumret" in unknown.content.decode()
    assert 'name="confirm"' in unknown.content.decode()
    confirmed = payer.post(path, {"clearing": "9999", "number": "12345678", "confirm": "on"})
    assert confirmed.status_code == 302
    account = RefundAccount.objects.get()
    assert account.received_at is not None and not account.checked
    assert account.holder_name_ciphertext is None


def test_forged_expired_and_replaced_links_get_friendly_pages_never_5xx(
    client, staff_client, practice
):
    video, _ = practice
    booking = _cancelled_bankgiro_booking(client, video)
    path = _account_link()
    token = path.rstrip("/").rsplit("/", 1)[1]
    payer = Client()
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")
    for bad in (f"/aterbetalning/{forged}/", "/aterbetalning/x/", "/aterbetalning/%00/"):
        response = payer.get(bad)
        assert response.status_code in (400, 404), bad
    other_salt = booking_token(booking, "cancel")
    page = payer.get(f"/aterbetalning/{other_salt}/")
    assert page.status_code == 404 and "Sidan finns inte" in page.content.decode()
    assert payer.post(f"/aterbetalning/{forged}/", _form()).status_code == 404

    english = payer.get(path.replace("/aterbetalning/", "/en/refund/"))
    assert english.status_code == 200 and "Where should the money go?" in english.content.decode()

    with time_machine.travel(NOW + timedelta(days=31)):
        expired = payer.get(path)
        assert expired.status_code == 410 and "Länken har gått ut" in expired.content.decode()
        assert payer.post(path, _form()).status_code == 410

    # The coach sends a new link: the old one dies, the new one works.
    refund = Refund.objects.get()
    mail.outbox.clear()
    staff_client.post(f"/staff/payments/refunds/{refund.pk}/ask-for-account/")
    new_path = _account_link()
    assert new_path != path
    assert payer.get(path).status_code == 404
    assert payer.get(new_path).status_code == 200
    requested = Event.objects.filter(action="refund_account.requested").order_by("seq")
    assert [json.loads(e.detail)["again"] for e in requested] == [False, True]

    # Once the refund is marked done the page asks for nothing more.
    staff_client.post(f"/staff/payments/refunds/{refund.pk}/done/")
    done = payer.get(new_path)
    assert done.status_code == 410 and "redan hanterad" in done.content.decode()


def test_submissions_are_rate_limited(client, practice, settings):
    settings.RATE_LIMIT_PER_IP = (3, 3600)
    video, _ = practice
    _cancelled_bankgiro_booking(client, video)
    path = _account_link()
    payer = Client()
    answers = [payer.post(path, {"clearing": "1", "number": "2"}).status_code for _ in range(4)]
    assert answers == [400, 400, 400, 429]


def test_the_account_is_in_her_export_and_goes_with_her_erasure(client, practice, tmp_path):
    video, _ = practice
    booking = _cancelled_bankgiro_booking(client, video)
    assert Client().post(_account_link(), _form()).status_code == 302
    out = tmp_path / "export.zip"
    call_command("rights", "export", "--email", PAYER, "--out", str(out))
    data = json.loads(zipfile.ZipFile(io.BytesIO(out.read_bytes())).read("data.json"))
    category = next(c for c in data["categories"] if c["id"] == "refund_account")
    [record] = category["records"]["payments.RefundAccount"]
    assert record["account_number"] == STORED and record["clearing_number"] == "83279"
    assert record["holder_name"] == HOLDER
    assert "14 dagar efter att återbetalningen gjorts" in category["retention"][0]["text"]

    receipt = person_erase(person=booking.person, actor="system")
    assert not RefundAccount.objects.exists()
    assert {e["category"]: e["count"] for e in receipt.erased}["refund_account"] == 1


def test_a_coach_refund_of_a_bankgiro_payment_asks_for_the_account_too(staff_client, practice):
    video, _ = practice
    order = confirmed_booking(video, None, method=Order.Method.BANKGIRO).order
    staff_client.post(f"/staff/payments/{order.pk}/refund/", {"amount": "300"})
    refund = Refund.objects.get(order=order)
    assert RefundAccount.objects.filter(refund=refund).exists()
    [ask] = sent_to("astrid@example.se")
    assert "300,00 kr" in ask.subject and re.search(r"/aterbetalning/[^/\s]+/", ask.body)
    page = staff_client.get(f"/staff/payments/{order.pk}/").content.decode()
    assert "väntar på kunden" in page
