"""Identifiers stored in clear by an older version are encrypted in place (issue 19, item 4): an
installation from before is migrated back, filled in clear, counted with `consonance identifiers
encrypt --dry-run`, encrypted a batch at a time (resumably) and migrated to today, where every
identifier reads as before and is found by its blind index, and none is left in clear."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from consonance.bookkeeping.models import Voucher
from consonance.mail.models import OutboxMessage
from consonance.payments.models import BillingDetails, Order
from consonance.people.models import HoldKey, Person, PersonKey

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [
    ("people", "0007_journal_clock_latest_of_consultation_note_contact"),
    ("payments", "0008_payouts_and_fee_fetches"),
    ("bookkeeping", "0006_every_payer_and_recipient_linked_to_a_person"),
    ("mail", "0006_outbox_purpose"),
]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


def _fill_in_clear(apps) -> None:
    person = apps.get_model("people", "Person").objects.create(
        email="anna.berg@example.se", first_name="Anna", last_name="Berg"
    )
    order = apps.get_model("payments", "Order").objects.create(
        reference="OLD-1",
        person_id=person.pk,
        method="swish",
        description="Samtal",
        amount=Decimal("900.00"),
        payer_name="Anna Berg",
        payer_email="anna.berg@example.se",
    )
    apps.get_model("payments", "BillingDetails").objects.create(
        order=order,
        person_id=person.pk,
        first_name="Anna",
        last_name="Berg",
        email="anna.berg@example.se",
        phone="070-123 45 67",
    )
    apps.get_model("bookkeeping", "Voucher").objects.create(
        number=1,
        date=dt.date(2026, 3, 2),
        fiscal_year_start=dt.date(2026, 1, 1),
        description="Samtal",
        amount=Decimal("900.00"),
        payer_name="Anna Berg",
        person_id=person.pk,
    )
    apps.get_model("mail", "OutboxMessage").objects.create(
        recipient="anna.berg@example.se",
        subject="Hej Anna",
        body_text="Hej Anna, välkommen.",
        template="booking_confirmed",
        person_id=person.pk,
    )


def test_an_older_installation_is_counted_encrypted_in_place_and_reads_as_before():
    latest = _latest()
    try:
        apps = _migrate(BEFORE)
        _fill_in_clear(apps)

        out = StringIO()
        call_command("identifiers", "encrypt", "--dry-run", stdout=out)
        report = out.getvalue()
        assert "people_person: 1 row(s) to encrypt" in report
        assert "payments_order: 1 row(s)" in report and "mail_outboxmessage: 1 row(s)" in report
        assert "5 row(s) in all; nothing was changed (--dry-run)." in report

        out = StringIO()
        call_command("identifiers", "encrypt", stdout=out)
        assert "Done:" in out.getvalue()
        again = StringIO()
        call_command("identifiers", "encrypt", "--dry-run", stdout=again)  # resumable: done
        assert "0 row(s) in all" in again.getvalue()
    finally:
        _migrate(latest)

    anna = Person.objects.get(email=" Anna.Berg@Example.se ")  # the blind index, normalised
    assert (anna.first_name, anna.last_name, anna.email) == ("Anna", "Berg", "anna.berg@example.se")
    assert PersonKey.objects.filter(person=anna).exists()
    order = Order.objects.get(payer_email="anna.berg@example.se")
    assert (order.payer_name, order.person_id) == ("Anna Berg", anna.pk)
    details = BillingDetails.objects.get(order=order)
    assert details.phone == "070-123 45 67" and details.email == "anna.berg@example.se"
    voucher = Voucher.objects.get(payer_name="anna berg")
    assert voucher.payer_name == "Anna Berg"
    assert HoldKey.objects.filter(name="bookkeeping:2026-01-01").exists()
    mail = OutboxMessage.objects.get(recipient="anna.berg@example.se")
    assert (mail.subject, mail.body_text) == ("Hej Anna", "Hej Anna, välkommen.")
    with connection.cursor() as cursor:
        for table in (
            "people_person",
            "payments_order",
            "bookkeeping_voucher",
            "mail_outboxmessage",
        ):
            cursor.execute(f'SELECT * FROM "{table}"')
            row_bytes = repr(cursor.fetchall()).lower()
            assert "anna" not in row_bytes and "berg" not in row_bytes, table
