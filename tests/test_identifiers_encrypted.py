"""Identifiers under their owner's key (issue 19): found only by exact value through the blind
index, never stored in clear, and unreadable the moment her key is destroyed, also on rows that
were written before she had a Person and taken back by her later."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import FieldError
from django.db import connection

from consonance.audit.services import SYSTEM
from consonance.mail.models import OutboxMessage
from consonance.payments.models import Order
from consonance.people.keys import person_key_destroy
from consonance.people.models import Person
from consonance.people.services import person_get_or_create

pytestmark = pytest.mark.django_db


def _column(table: str, column: str, pk: int):
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT "{column}" FROM "{table}" WHERE id = %s', [pk])
        return cursor.fetchone()[0]


def test_an_address_is_found_by_its_exact_value_only_and_never_stored_in_clear():
    anna, _ = person_get_or_create(
        email="Anna.Berg@Example.se", first_name="Anna", last_name="Berg", actor=SYSTEM
    )
    assert Person.objects.get(email="  anna.berg@example.SE ") == anna  # normalised, exact
    assert list(Person.objects.filter(email__in=["x@example.se", "ANNA.BERG@example.se"])) == [anna]
    with pytest.raises(FieldError, match="Unsupported lookup 'icontains'"):
        Person.objects.filter(email__icontains="anna").exists()
    stored = bytes(_column("people_person", "email", anna.pk))
    index = _column("people_person", "email_index", anna.pk)
    assert b"anna" not in stored.lower() and "anna" not in index and len(index) == 64
    assert Person.objects.get(pk=anna.pk).email == "anna.berg@example.se"


def test_an_order_written_before_she_was_known_is_taken_back_under_her_key():
    order = Order.objects.create(
        reference="EARLY-1",
        method="swish",
        description="Samtal",
        amount=Decimal("900.00"),
        payer_name="Klara Ek",
        payer_email="klara.ek@example.se",
    )
    assert Order.objects.get(pk=order.pk).payer_name == "Klara Ek"  # the unlinked key
    klara, _ = person_get_or_create(
        email="klara.ek@example.se", first_name="Klara", last_name="Ek", actor=SYSTEM
    )
    order.refresh_from_db()
    assert order.person == klara and order.payer_name == "Klara Ek"
    # Re-encrypted under her key when taken back: destroying it makes the order's copy of her
    # name and address unreadable too.
    person_key_destroy(person=klara, actor=SYSTEM)
    gone = Order.objects.get(pk=order.pk)
    assert (gone.payer_name, gone.payer_email) == ("", "")
    assert Order.objects.filter(payer_email="klara.ek@example.se").exists()  # the index finds it


def test_a_mail_to_her_keeps_its_texts_under_her_key():
    anna, _ = person_get_or_create(
        email="anna@example.se", first_name="Anna", last_name="Berg", actor=SYSTEM
    )
    mail = OutboxMessage.objects.create(
        recipient="anna@example.se",
        subject="Hej Anna",
        body_text="Hej Anna Berg, välkommen.",
        template="booking_confirmed",
        person=anna,
    )
    assert b"Anna" not in bytes(_column("mail_outboxmessage", "body_text", mail.pk))
    person_key_destroy(person=anna, actor=SYSTEM)
    assert OutboxMessage.objects.get(pk=mail.pk).body_text == ""
