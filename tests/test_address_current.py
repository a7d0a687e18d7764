"""One current address (issue 17, item 2): once she confirms a new address, refund mail, receipts
and every later mail go there (read from the person, never from the copy on an order), the old
address gets a short notice, the coach's lists show the new one, and an erasure waiting for a
refund neither stalls on mail that is hers but unlinked nor fails in silence."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.core import mail
from django.test import Client

from consonance.mail.models import OutboxMessage
from consonance.mail.outbox import mail_queue
from consonance.payments.models import Order, Refund
from consonance.people.models import Person
from consonance.rights import sessions
from consonance.rights.models import Request
from consonance.rights.residue import Finding
from consonance.rights.sessions import deferred_erasures_run, stall_reason
from tests.factories import (
    NOW,
    STAFF_EMAIL,
    change_address,
    confirmed_booking,
    link_in,
    sent_to,
    sign_in,
    staff_mail,
)

pytestmark = pytest.mark.django_db(transaction=True)

OLD, NEW = "astrid@example.se", "astrid.ny@example.se"


@pytest.fixture
def coach_mail(settings):
    settings.CONSONANCE_STAFF_EMAIL = STAFF_EMAIL


def _moved_client_with_a_bankgiro_refund(practice, staff_client):
    """Astrid paid by Bankgiro as OLD, moved to NEW, then the coach refunds 300 kr."""
    video, _ = practice
    order = confirmed_booking(video, None, method=Order.Method.BANKGIRO).order
    her = Client()
    change_address(her, NEW, old=OLD)
    sign_in(her, NEW)  # her session ended with the old address
    mail.outbox.clear()
    staff_client.post(f"/staff/payments/{order.pk}/refund/", {"amount": "300"})
    return order, Refund.objects.get(order=order), her


def test_the_old_address_gets_a_short_notice_from_the_coach(client, practice):
    video, _ = practice
    confirmed_booking(video, None)
    change_address(client, NEW, old=OLD)
    [notice] = [m for m in sent_to(OLD) if "har ändrats" in m.subject]
    assert notice.subject.startswith("Din e-postadress hos")
    assert "Hej Astrid!" in notice.body and "Din e-postadress har ändrats till a***@example.se" in (
        notice.body
    )
    assert (
        NEW not in notice.body and " vi " not in notice.body and "Var det inte du?" in notice.body
    )
    assert notice.to == [OLD]


def test_refund_mail_goes_to_her_current_address_and_the_coach_sees_it(
    practice, staff_client, coach_mail
):
    order, refund, _her = _moved_client_with_a_bankgiro_refund(practice, staff_client)
    assert order.payer_email == OLD  # the order keeps who paid; mail goes where she is now
    [ask] = [m for m in mail.outbox if "Vart ska jag betala tillbaka" in m.subject]
    assert ask.to == [NEW] and not sent_to(OLD)

    # The coach's list and the refund page show the current address, not the old one.
    listed = staff_client.get("/staff/payments/refunds/").content.decode()
    assert NEW in listed and OLD not in listed
    detail = staff_client.get(f"/staff/payments/refunds/{refund.pk}/").content.decode()
    assert NEW in detail and OLD not in detail
    page = staff_client.get(f"/staff/payments/{order.pk}/").content.decode()
    assert NEW in page and "betalade med adressen astrid@example.se" in page

    # "Skicka en ny länk" goes to her current address too.
    mail.outbox.clear()
    staff_client.post(f"/staff/payments/refunds/{refund.pk}/ask-for-account/")
    [again] = mail.outbox
    assert again.to == [NEW]

    # Her account arrives: the receipt goes to the new address, as does the refund's confirmation.
    mail.outbox.clear()
    path = link_in(again.body, "/aterbetalning/")
    posted = {"clearing": "8327-9", "number": "123 456 789-7", "holder": "Astrid Lindqvist"}
    assert Client().post(path, posted).status_code == 302
    assert [m.to for m in mail.outbox if m.to != [STAFF_EMAIL]] == [[NEW]]
    mail.outbox.clear()
    staff_client.post(f"/staff/payments/refunds/{refund.pk}/done/")
    assert [m.to for m in mail.outbox] == [[NEW]]


def test_mail_still_queued_for_the_old_address_goes_to_the_new_one(client, practice):
    video, _ = practice
    booking = confirmed_booking(video, None)
    with time_machine.travel(NOW, tick=False):
        queued = mail_queue(to=OLD, template="test_hello", context={}, person_id=booking.person_id)
    assert queued is not None
    # Not sent yet (as when the mail server is down): it moves with her.
    OutboxMessage.objects.filter(pk=queued.pk).update(state=OutboxMessage.State.QUEUED)
    change_address(client, NEW, old=OLD)
    queued.refresh_from_db()
    assert queued.recipient == NEW


def test_a_deferred_erasure_goes_through_despite_unlinked_mail_to_her_old_address(
    practice, staff_client, coach_mail
):
    _order, refund, her = _moved_client_with_a_bankgiro_refund(practice, staff_client)
    person = Person.objects.get(email=NEW)
    # Mail to the address she paid with, linked to nobody (a sign-in code, a newsletter link).
    mail_queue(to=OLD, template="test_hello", context={})
    her.post("/mina-uppgifter/radera/", {"confirm": "on"})
    assert Request.objects.filter(person=person, kind="erasure", state="open").exists()
    staff_client.post(f"/staff/payments/refunds/{refund.pk}/done/")
    assert deferred_erasures_run() == 1
    assert not Person.objects.filter(pk=person.pk).exists()
    [receipt] = [m for m in mail.outbox if "raderade" in m.body]
    assert receipt.to == [NEW]


def test_the_coach_is_told_in_words_when_a_deferred_erasure_cannot_finish(
    practice, staff_client, coach_mail, monkeypatch
):
    _order, refund, her = _moved_client_with_a_bankgiro_refund(practice, staff_client)
    person = Person.objects.get(email=NEW)
    her.post("/mina-uppgifter/radera/", {"confirm": "on"})
    staff_client.post(f"/staff/payments/refunds/{refund.pk}/done/")

    def fails(**_kwargs):
        raise sessions.ErasureFailed([Finding("mail.OutboxMessage", 1, ("recipient",))])

    monkeypatch.setattr(sessions, "person_erase", fails)
    mail.outbox.clear()
    assert deferred_erasures_run() == 0
    assert deferred_erasures_run() == 0  # told once, not every hour
    [told] = staff_mail()
    assert told.subject == "Radering kunde inte slutföras"
    assert "e-post från mig" in told.body and "Astrid" not in told.body
    assert "/staff/rights/" in told.body
    request = Request.objects.get(person=person, kind="erasure", state="open")
    assert request.stalled.startswith("Raderingen kunde inte slutföras")
    overview = staff_client.get("/staff/").content.decode()
    assert "Raderingen kunde inte slutföras" in overview
    rights = staff_client.get("/staff/rights/").content.decode()
    assert "kunde inte slutföras" in rights


def test_the_reason_names_kinds_of_data_never_models():
    reason = stall_reason([Finding("mail.OutboxMessage", 1, ("recipient",))])
    assert "mail.OutboxMessage" not in reason and not re.search(r"\b[a-z]+\.[A-Z]", reason)
