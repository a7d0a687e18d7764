"""Builders for the retention tests: people and their data at known moments."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from django.apps import apps

from consonance.bookkeeping.models import Voucher
from consonance.contact.models import Message
from consonance.journal.models import ConsultationMessage, Note
from consonance.newsletter.models import Subscription
from consonance.payments.models import BillingDetails, Order, OrderEvent
from consonance.people.keys import person_encrypt
from consonance.people.models import MemberProfile, Person
from consonance.people.services import person_noted

UTC = dt.UTC
_seq = itertools.count(1)


def person(name: str, *, last_contact: dt.datetime, last_consultation=None) -> Person:
    return Person.objects.create(
        email=f"{name}@example.se",
        first_name=name.capitalize(),
        last_name="Testsson",
        created_at=last_contact,
        last_contact_at=last_contact,
        last_consultation_at=last_consultation,
    )


def order(who: Person | None, *, at: dt.datetime, billing: bool = True) -> Order:
    n = next(_seq)
    o = Order.objects.create(
        reference=f"T{n:06d}",
        person=who,
        created_at=at,
        method="swish",
        status="paid",
        description="Videokonsultation",
        amount=Decimal("900.00"),
        payer_name="Payer Name",
        payer_email=who.email if who else "gone@example.se",
    )
    OrderEvent.objects.create(order=o, at=at, kind="created")
    if billing:
        BillingDetails.objects.create(
            order=o,
            person=who,
            collected_at=at,
            first_name="Payer",
            last_name="Name",
            email=o.payer_email,
            street_address="Storgatan 1",
            postal_code="111 22",
            city="Stockholm",
            phone="070-000 00 00",
        )
    return o


def voucher(who: Person | None, *, on: dt.date) -> Voucher:
    return Voucher.objects.create(
        number=next(_seq),
        date=on,
        description="Konsultation",
        amount=Decimal("900.00"),
        payer_name="Payer Name",
        person=who,
        fiscal_year_start=dt.date(on.year, 1, 1),
        fiscal_year_end=dt.date(on.year, 12, 31),
    )


def note(who: Person, *, at: dt.datetime) -> Note:
    """A note written at `at` (as journal.services.note_create would, her journal clock too)."""
    found = Note.objects.create(
        person=who, created_at=at, body_ciphertext=person_encrypt(who, "anteckning", context="note")
    )
    person_noted(who.pk, at)
    return found


def consultation_message(who: Person, *, at: dt.datetime, moved: dt.datetime | None):
    return ConsultationMessage.objects.create(
        person=who,
        direction="in",
        received_at=at,
        moved_to_journal_at=moved,
        body_ciphertext=person_encrypt(who, "fråga", context="consultation"),
    )


def contact_message(who: Person, *, at: dt.datetime, replied: dt.datetime | None) -> Message:
    return Message.objects.create(
        person=who,
        received_at=at,
        replied_at=replied,
        body_ciphertext=person_encrypt(who, "hej", context="contact"),
    )


def subscription(who: Person, *, at: dt.datetime, unsubscribed: dt.datetime | None = None):
    return Subscription.objects.create(
        person=who, subscribed_at=at, confirmed_at=at, unsubscribed_at=unsubscribed
    )


def member(who: Person, *, at: dt.datetime, deletion_requested: dt.datetime | None = None):
    return MemberProfile.objects.create(
        person=who, created_at=at, deletion_requested_at=deletion_requested
    )


SNAPSHOT_MODELS = [
    "people.Person",
    "people.MemberProfile",
    "people.PersonKey",
    "payments.Order",
    "payments.BillingDetails",
    "payments.OrderEvent",
    "bookkeeping.Voucher",
    "journal.Note",
    "journal.ConsultationMessage",
    "contact.Message",
    "newsletter.Subscription",
    "privacy.RetentionAgreement",
    "privacy.LegalHold",
]


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every table the engine acts on (not its own run records or the audit log)."""
    state = {}
    for label in SNAPSHOT_MODELS:
        model = apps.get_model(label)
        names = [f.attname for f in model._meta.concrete_fields]
        state[label] = [
            tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)
            for row in model.objects.order_by("pk").values_list(*names)
        ]
    return state
