"""Every service that changes personal data writes its one audit row: who, what, whose, which
category, ids and counts only (never a name, an address or a text)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
import time_machine

from consonance.audit.models import Event
from consonance.audit.services import SYSTEM
from consonance.booking import services as booking
from consonance.mail.outbox import mail_suppress, mail_unsuppress
from consonance.newsletter.services import subscription_create, subscription_unsubscribe
from consonance.payments import ledger
from consonance.payments.models import Order, Refund
from consonance.payments.refunds import refund_mark_done, refund_request
from consonance.people.keys import person_encrypt, person_key_destroy
from consonance.people.services import person_get_or_create
from consonance.privacy.services import (
    agreement_create,
    agreement_end,
    legal_hold_create,
    legal_hold_lift,
)
from consonance.rights.services import (
    objection_record,
    objections_supersede,
    request_record,
    restriction_lift,
    restriction_start,
)
from tests.factories import NOW, make_practice

pytestmark = pytest.mark.django_db

EMAIL = "vera.lind@example.se"


@pytest.fixture
def person():
    person, _ = person_get_or_create(email=EMAIL, first_name="Vera", last_name="Lind", actor=SYSTEM)
    return person


def only_row(action: str, **expected) -> Event:
    """The one audit row of `action`; it names ids, never personal values."""
    [row] = Event.objects.filter(action=action)
    for key, value in expected.items():
        assert getattr(row, key) == value, (action, key)
    for secret in (EMAIL, "Vera", "Lind"):
        assert secret not in row.detail and secret not in row.actor
    return row


def test_people(person):
    only_row("person.created", subject_id=person.pk, category="contact_details")
    person_encrypt(person, "x", context="note")
    person_key_destroy(person=person, actor=SYSTEM)
    only_row("person.key_destroyed", subject_id=person.pk)


def test_retention_agreements_and_legal_holds(person):
    agreement = agreement_create(
        person=person,
        rule_id="journal-2y",
        until=dt.datetime.now(dt.UTC).date() + dt.timedelta(days=30),
        reason="Överenskommet",
        actor=SYSTEM,
    )
    agreement_end(agreement=agreement, actor=SYSTEM)
    only_row("retention_agreement.ended", subject_id=person.pk)
    hold = legal_hold_create(person=person, reason="Tvist", actor=SYSTEM)
    only_row("legal_hold.created", subject_id=person.pk)
    legal_hold_lift(hold=hold, actor=SYSTEM)
    only_row("legal_hold.lifted", subject_id=person.pk)


def test_mail_suppression():
    mail_suppress(email=EMAIL, reason="restriction")
    only_row("mail.suppressed")
    mail_unsuppress(email=EMAIL)
    only_row("mail.unsuppressed")


def test_rights_restriction_objection_and_requests(person):
    restriction_start(person=person, reason="accuracy", actor=SYSTEM)
    only_row("rights.restricted", subject_id=person.pk)
    restriction_lift(person=person, actor=SYSTEM)
    only_row("rights.restriction_lifted", subject_id=person.pk)
    request_record(person=person, kind="access", actor=SYSTEM, done=False)
    assert Event.objects.filter(action="rights.request_received", subject_id=person.pk).exists()

    subscription_create(person=person, consent_given_at=dt.datetime.now(dt.UTC), actor=SYSTEM)
    only_row("newsletter.subscribed", subject_id=person.pk, category="newsletter")
    objection_record(person=person, actor=SYSTEM)
    only_row("rights.objected", subject_id=person.pk)
    # The objection reached the newsletter through the rights hook: one unsubscription.
    only_row("newsletter.unsubscribed", subject_id=person.pk, category="newsletter")
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)
    assert objections_supersede(person=person, consent_given_at=later, actor=SYSTEM) == 1
    only_row("rights.objection_superseded", subject_id=person.pk)
    assert subscription_unsubscribe(person=person, actor=SYSTEM) is False  # already ended


@time_machine.travel(NOW, tick=False)
def test_booking_hold_confirm_and_cancel(settings):
    settings.BANKGIRO_NUMBER = "5050-1055"
    video, _email = make_practice()
    starts = NOW + dt.timedelta(days=7, hours=1)
    client = booking.Client(first_name="Vera", last_name="Lind", email=EMAIL)
    held = booking.booking_hold(service=video, starts_at=starts, client=client, method="card")
    only_row("booking.held", subject_id=held.person_id, category="contact_details")
    assert Event.objects.filter(action="order.created", subject_id=held.person_id).count() == 1

    ledger.order_record_payment(
        order_id=held.order_id, amount=Decimal("900.00"), provider="stripe", actor=SYSTEM
    )
    only_row("booking.confirmed", subject_id=held.person_id)
    booking.booking_cancel(booking_id=held.pk, actor=SYSTEM)
    only_row("booking.cancelled", subject_id=held.person_id)
    # One change, one row: the refund request is audited by the ledger's event, with its id.
    row = only_row("order.refund_requested", subject_id=held.person_id, category="orders")
    assert json.loads(row.detail)["refund"] == Refund.objects.get().pk


@time_machine.travel(NOW, tick=False)
def test_booking_release_and_expiry(settings):
    settings.BANKGIRO_NUMBER = "5050-1055"
    video, _email = make_practice()
    client = booking.Client(first_name="Vera", last_name="Lind", email=EMAIL)
    first = booking.booking_hold(
        service=video, starts_at=NOW + dt.timedelta(days=7, hours=1), client=client, method="card"
    )
    booking.booking_release(booking_id=first.pk, reason="payment_cancelled")
    only_row("booking.released", subject_id=first.person_id)
    booking.booking_hold(
        service=video, starts_at=NOW + dt.timedelta(days=8, hours=1), client=client, method="card"
    )
    assert booking.booking_expire_holds(now=NOW + dt.timedelta(hours=1)) == 1
    only_row("booking.expired", subject_id=first.person_id)


def test_refunds_recorded_and_marked_done(person):
    order = Order.objects.create(
        reference="T-1",
        person=person,
        method=Order.Method.BANKGIRO,
        description="Videosamtal",
        amount=Decimal("900.00"),
        payer_name="Vera Lind",
        payer_email=EMAIL,
    )
    ledger.order_record_payment(
        order_id=order.pk, amount=order.amount, provider="bankgiro", actor=SYSTEM
    )
    refund = refund_request(order=order, amount=order.amount, reason="cancelled", actor=SYSTEM)
    assert refund.status == Refund.Status.MANUAL  # Bankgiro: the coach pays it back
    assert refund_mark_done(refund_id=refund.pk, actor="staff:1")
    only_row("refund.marked_done", subject_id=person.pk)
    ledger.order_record_refund(
        order_id=order.pk, amount=Decimal("100.00"), provider="stripe", actor=SYSTEM
    )
    assert Event.objects.filter(action="order.refund_recorded", subject_id=person.pk).exists()
