"""P14: an erased client's accounting record survives, minimised, and goes exactly when the
seven years of Bokföringslagen end; the receipt says what was kept, why and until when."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from consonance.audit.services import SYSTEM
from consonance.bookkeeping.models import Document, Voucher, VoucherRow
from consonance.payments.models import Order
from consonance.people.services import person_get_or_create
from consonance.privacy.retention import retention_run
from consonance.rights.erasure import person_erase
from tests.factories import paid_order

pytestmark = pytest.mark.django_db

STHLM = ZoneInfo("Europe/Stockholm")
PAID = dt.datetime(2026, 6, 10, 12, tzinfo=dt.UTC)


def client_who_paid():
    person, _ = person_get_or_create(
        email="klara.ek@example.se", first_name="Klara", last_name="Ek", actor=SYSTEM
    )
    order = paid_order(method="card", at=PAID, person=person)
    return person, order


def test_a_paid_order_erased_by_its_client_leaves_its_accounting_record(
    django_capture_on_commit_callbacks,
):
    person, order = client_who_paid()
    voucher = Voucher.objects.get(order=order)
    receipt_doc = Document.objects.get(order=order)
    with django_capture_on_commit_callbacks(execute=True):
        receipt = person_erase(person=person, actor=SYSTEM)
    assert not Order.objects.filter(pk=order.pk).exists()  # the order list lets go at once
    voucher.refresh_from_db()
    receipt_doc.refresh_from_db()
    # Minimised: the counterparty's name (5 kap. 7 §), amounts, dates; no link to her or the order.
    assert (voucher.person_id, voucher.order_id) == (None, None)
    assert voucher.payer_name == "Klara Ek" and voucher.order_reference == order.reference
    assert (receipt_doc.person_id, receipt_doc.order_id) == (None, None)
    assert VoucherRow.objects.filter(voucher=voucher).count() == 3
    kept = {k["category"]: k for k in receipt.kept}
    assert set(kept) == {"bookkeeping"}
    entry = kept["bookkeeping"]
    assert entry["until"] == "2034-01-01" and "Bokföringslagen" in entry["reason"]
    assert {(r["model"], r["until"]) for r in entry["rows"]} == {
        ("bookkeeping.Voucher", "2034-01-01"),
        ("bookkeeping.Document", "2034-01-01"),
    }


def test_an_erased_clients_vouchers_are_deleted_exactly_when_the_seven_years_end(
    django_capture_on_commit_callbacks,
):
    person, _order = client_who_paid()
    later = paid_order(
        method="swish", at=dt.datetime(2027, 1, 2, 12, tzinfo=dt.UTC), payer_name="Olle Berg"
    )
    with django_capture_on_commit_callbacks(execute=True):
        person_erase(person=person, actor=SYSTEM)
    retention_run(now=dt.datetime(2033, 12, 31, 23, 59, 59, tzinfo=STHLM))
    assert Voucher.objects.filter(payer_name="Klara Ek").count() == 1
    assert Document.objects.filter(buyer_name="Klara Ek").count() == 1
    retention_run(now=dt.datetime(2034, 1, 1, 0, 0, 1, tzinfo=STHLM))
    assert not Voucher.objects.filter(payer_name="Klara Ek").exists()
    assert not Document.objects.filter(buyer_name="Klara Ek").exists()
    assert not VoucherRow.objects.filter(voucher__payer_name="Klara Ek").exists()
    # The next fiscal year's vouchers stay one more year.
    assert Voucher.objects.filter(order_reference=later.reference).count() == 1


def test_the_register_of_processing_lists_fortnox_with_role_and_retention(client):
    page = client.get("/integritet/register/").content.decode()
    assert "Fortnox AB" in page
    assert "7 år efter utgången av det kalenderår då räkenskapsåret avslutades" in page
