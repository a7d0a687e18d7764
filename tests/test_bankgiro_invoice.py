"""Bankgiro invoices: OCR reference, due date and the payment instructions the payer gets."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured

from consonance.audit.models import Event
from consonance.audit.services import actor_staff
from consonance.lib.ocr import ocr_is_valid
from consonance.payments.bankgiro.bgmax_writer import DepositInput, write_bgmax
from consonance.payments.bankgiro.imports import bankgiro_import
from consonance.payments.bankgiro.services import (
    bankgiro_invoice_create,
    bankgiro_payment_instructions,
)
from consonance.payments.models import Order, OrderEvent
from consonance.payments.providers.config import bankgiro_number

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def order(method: str = Order.Method.BANKGIRO, amount: str = "950.00", n: int = 1) -> Order:
    return Order.objects.create(
        reference=f"B-{n:04d}",
        method=method,
        description="Videosamtal 50 min",
        amount=Decimal(amount),
        payer_name="Testa Testsson",
        payer_email="testa@example.se",
    )


@pytest.fixture(autouse=True)
def bankgiro_env(settings):
    settings.BANKGIRO_NUMBER = "5050-1055"
    settings.BANKGIRO_DUE_DAYS = 10


@pytest.mark.django_db
def test_invoice_gets_an_ocr_reference_with_check_and_length_digits():
    first, second = order(n=1), order(n=2)

    a = bankgiro_invoice_create(order_id=first.pk, actor="system")
    b = bankgiro_invoice_create(order_id=second.pk, actor="system")

    assert ocr_is_valid(a.ocr_reference, length_digit=True)
    assert ocr_is_valid(b.ocr_reference, length_digit=True)
    assert a.ocr_reference != b.ocr_reference
    # Built from the order's id: the id, zero-padded, then the length and check digits.
    assert a.ocr_reference[:-2] == f"{first.pk:05d}"
    assert int(a.ocr_reference[-2]) == len(a.ocr_reference) % 10
    assert Order.objects.get(pk=first.pk).ocr_reference == a.ocr_reference


@pytest.mark.django_db
@time_machine.travel(datetime(2025, 3, 30, 23, 30, tzinfo=STOCKHOLM), tick=False)
def test_due_date_is_ten_days_ahead_in_stockholm_by_default():
    invoiced = bankgiro_invoice_create(order_id=order().pk, actor="system")

    assert invoiced.due_date == date(2025, 4, 9)


@pytest.mark.django_db
@time_machine.travel(datetime(2025, 3, 3, 12, 0, tzinfo=STOCKHOLM), tick=False)
def test_due_days_come_from_the_setting(settings):
    settings.BANKGIRO_DUE_DAYS = 30

    invoiced = bankgiro_invoice_create(order_id=order().pk, actor="system")

    assert invoiced.due_date == date(2025, 4, 2)


@pytest.mark.django_db
def test_invoice_is_audited_and_recorded_as_an_order_event():
    placed = order()

    bankgiro_invoice_create(order_id=placed.pk, actor=actor_staff(7))

    event = OrderEvent.objects.get(order=placed, kind="invoiced")
    assert (event.provider, event.amount) == ("bankgiro", Decimal("950.00"))
    audit = Event.objects.get(action="order.invoiced")
    assert audit.actor == "staff:7"
    assert "Testa" not in audit.detail and "example.se" not in audit.detail


@pytest.mark.django_db
def test_invoicing_twice_keeps_the_first_reference_and_due_date():
    placed = order()
    first = bankgiro_invoice_create(order_id=placed.pk, actor="system")
    with time_machine.travel(datetime(2031, 1, 1, tzinfo=STOCKHOLM)):
        again = bankgiro_invoice_create(order_id=placed.pk, actor="system")

    assert (again.ocr_reference, again.due_date) == (first.ocr_reference, first.due_date)
    assert OrderEvent.objects.filter(kind="invoiced").count() == 1


@pytest.mark.django_db
def test_only_pending_bankgiro_orders_are_invoiced():
    card = order(method=Order.Method.CARD)

    with pytest.raises(ValueError):
        bankgiro_invoice_create(order_id=card.pk, actor="system")

    assert Order.objects.get(pk=card.pk).ocr_reference is None


@pytest.mark.django_db
def test_payment_instructions_name_bankgiro_amount_ocr_and_due_date():
    invoiced = bankgiro_invoice_create(order_id=order().pk, actor="system")

    instructions = bankgiro_payment_instructions(invoiced)

    assert instructions == {
        "bankgiro": "5050-1055",
        "ocr_reference": invoiced.ocr_reference,
        "amount": Decimal("950.00"),
        "currency": "SEK",
        "due_date": invoiced.due_date,
        "order_reference": invoiced.reference,
    }


@pytest.mark.django_db
def test_payment_instructions_need_a_well_formed_bankgiro_number(settings):
    invoiced = bankgiro_invoice_create(order_id=order().pk, actor="system")
    settings.BANKGIRO_NUMBER = "50501056"  # wrong check digit

    with pytest.raises(ImproperlyConfigured):
        bankgiro_payment_instructions(invoiced)

    settings.BANKGIRO_NUMBER = "50501055"
    assert bankgiro_payment_instructions(invoiced)["bankgiro"] == "5050-1055"


def test_bankgiro_is_not_offered_without_a_number_in_production(settings):
    settings.DEBUG = False
    settings.BANKGIRO_NUMBER = ""

    assert bankgiro_number() is None


@pytest.mark.django_db
def test_a_created_invoice_is_paid_by_a_bgmax_file_quoting_its_ocr():
    invoiced = bankgiro_invoice_create(order_id=order().pk, actor="system")
    data = write_bgmax(
        [
            DepositInput(
                date(2025, 3, 5),
                serial=12,
                payments=[(invoiced.ocr_reference, Decimal("950.00"), "Testa Testsson")],
            )
        ]
    )

    report = bankgiro_import(data=data, filename="bg.txt", dry_run=False, actor="system")

    assert [(m.order_reference, m.state) for m in report.matched] == [
        (invoiced.reference, "matched")
    ]
    invoiced.refresh_from_db()
    assert invoiced.status == Order.Status.PAID
    assert bankgiro_payment_instructions(invoiced)["amount"] == Decimal("0.00")


@pytest.mark.django_db
def test_demo_has_an_open_invoice_and_a_paid_one_and_loads_once():
    from io import StringIO

    from consonance.payments.bankgiro import demo
    from consonance.payments.bankgiro.models import BankPayment, ImportedFile

    demo.load(StringIO())
    first = (
        sorted(Order.objects.values_list("reference", "status", "ocr_reference")),
        ImportedFile.objects.count(),
        BankPayment.objects.count(),
        Event.objects.count(),
    )
    demo.load(StringIO())

    assert first[0][0][:2] == ("DEMO-BG-1", "paid")
    assert first[0][1][:2] == ("DEMO-BG-2", "pending")
    assert BankPayment.objects.filter(state="unmatched").count() == 1
    assert (
        sorted(Order.objects.values_list("reference", "status", "ocr_reference")),
        ImportedFile.objects.count(),
        BankPayment.objects.count(),
        Event.objects.count(),
    ) == first
