"""Every payment, refund and provider fee becomes a balanced voucher with the right accounts."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
import time_machine

from consonance.audit.models import Event
from consonance.audit.services import SYSTEM
from consonance.bookkeeping.models import Voucher
from consonance.bookkeeping.services import (
    UnbalancedVoucher,
    VoucherSpec,
    voucher_correct,
    voucher_create,
)
from consonance.payments import hooks
from consonance.payments.bankgiro.bgmax_writer import DepositInput, write_bgmax
from consonance.payments.bankgiro.imports import bankgiro_import
from consonance.payments.bankgiro.services import bankgiro_invoice_create
from consonance.payments.ledger import order_record_refund
from consonance.payments.models import Order
from tests.factories import paid_order

pytestmark = pytest.mark.django_db

AT = dt.datetime(2026, 3, 16, 9, 30, tzinfo=dt.UTC)


def rows(voucher: Voucher) -> dict[str, Decimal]:
    return {r.account: r.amount for r in voucher.rows.all()}


def test_a_card_payment_books_receivable_sales_and_vat():
    order = paid_order(method="card", at=AT)
    voucher = Voucher.objects.get(order=order, kind="payment")
    assert rows(voucher) == {
        "1580": Decimal("900.00"),
        "3001": Decimal("-720.00"),
        "2611": Decimal("-180.00"),
    }
    assert voucher.vat_amount == Decimal("180.00") and voucher.amount == Decimal("900.00")
    assert voucher.date == dt.date(2026, 3, 16)
    assert voucher.payer_name == "Klara Ek" and voucher.order_reference == order.reference
    assert voucher.order_event_id == order.events.get(kind="paid").pk
    assert (voucher.series, voucher.number) == ("A", 1)
    assert voucher.fiscal_year_end == dt.date(2026, 12, 31)
    # One audit row per payment: the ledger's, in the same transaction as the voucher it keys.
    audit = Event.objects.filter(action="order.payment_recorded").get()
    assert json.loads(audit.detail)["order"] == order.pk and "Klara" not in audit.detail
    assert not Event.objects.filter(action="voucher.created").exists()


def test_swish_and_bankgiro_go_to_the_bank_and_exempt_services_to_3004():
    swish = paid_order(method="swish", at=AT)
    exempt = paid_order(method="bankgiro", vat_rate="0", amount="1500.00", at=AT)
    assert rows(Voucher.objects.get(order=swish))["1930"] == Decimal("900.00")
    assert rows(Voucher.objects.get(order=exempt)) == {
        "1930": Decimal("1500.00"),
        "3004": Decimal("-1500.00"),
    }


def test_vat_is_exact_to_the_ore():
    order = paid_order(method="card", amount="333.33", at=AT)
    booked = rows(Voucher.objects.get(order=order))
    assert booked["2611"] == Decimal("-66.67") and booked["3001"] == Decimal("-266.66")
    assert sum(booked.values()) == 0


def test_a_refund_is_a_new_voucher_that_refers_to_the_payment():
    order = paid_order(method="card", at=AT)
    payment = Voucher.objects.get(order=order, kind="payment")
    order_record_refund(
        order_id=order.pk,
        amount=Decimal("450.00"),
        provider="stripe",
        provider_event_id="refund:re_1",
        actor=SYSTEM,
        at=AT + dt.timedelta(days=2),
    )
    refund = Voucher.objects.get(order=order, kind="refund")
    assert refund.refers_to == payment and payment.label in refund.description
    assert rows(refund) == {
        "3001": Decimal("360.00"),
        "2611": Decimal("90.00"),
        "1580": Decimal("-450.00"),
    }
    assert refund.number == payment.number + 1
    payment.refresh_from_db()
    assert rows(payment)["1580"] == Decimal("900.00")  # the first voucher is unchanged


def test_a_replayed_payment_event_books_nothing_twice():
    order = paid_order(method="card", at=AT, event_id="evt-same")
    from consonance.payments.ledger import order_record_payment

    _order, changed = order_record_payment(
        order_id=order.pk,
        amount=Decimal("900.00"),
        provider="stripe",
        provider_event_id="evt-same",
        actor=SYSTEM,
    )
    assert not changed and Voucher.objects.filter(order=order).count() == 1


def test_a_provider_fee_is_booked_against_card_receivables():
    order = paid_order(method="card", at=AT)
    fee = hooks.ProviderFee(
        order=order,
        amount=Decimal("12.85"),
        currency="SEK",
        provider="stripe",
        fee_ref="txn_1",
        at=AT,
    )
    hooks.fee_recorded.emit(fee)
    hooks.fee_recorded.emit(fee)  # reported twice: booked once
    voucher = Voucher.objects.get(order=order, kind="fee")
    assert rows(voucher) == {"6040": Decimal("12.85"), "1580": Decimal("-12.85")}
    assert voucher.refers_to.kind == "payment"
    assert (voucher.payer_name, voucher.person_id) == ("Stripe", None)  # the fee's counterparty


def test_an_unbalanced_voucher_is_refused_and_takes_no_number():
    with pytest.raises(UnbalancedVoucher):
        voucher_create(
            VoucherSpec(
                date=dt.date(2026, 3, 1),
                description="fel",
                rows=[("1930", Decimal("100")), ("3001", Decimal("-99.99"))],
                kind="other",
                actor=SYSTEM,
            )
        )
    assert not Voucher.objects.exists()
    ok = voucher_create(
        VoucherSpec(
            date=dt.date(2026, 3, 1),
            description="rätt",
            rows=[("1930", Decimal("100")), ("3001", Decimal("-100"))],
            kind="other",
            actor=SYSTEM,
        )
    )
    assert ok.number == 1


def test_a_correction_reverses_the_voucher_and_says_when_and_by_whom():
    order = paid_order(method="swish", at=AT)
    first = Voucher.objects.get(order=order)
    with time_machine.travel(dt.datetime(2026, 4, 2, 10, tzinfo=dt.UTC)):
        correction = voucher_correct(voucher_id=first.pk, actor="staff:1", reason="fel konto")
    assert correction.refers_to == first and correction.created_by == "staff:1"
    assert correction.date == dt.date(2026, 4, 2)
    assert {a: -v for a, v in rows(first).items()} == rows(correction)
    assert voucher_correct(voucher_id=first.pk, actor="staff:1", reason="igen") == correction


def test_numbers_restart_per_fiscal_year_without_gaps():
    paid_order(method="swish", at=dt.datetime(2026, 12, 31, 12, tzinfo=dt.UTC))
    paid_order(method="swish", at=dt.datetime(2027, 1, 1, 12, tzinfo=dt.UTC))
    paid_order(method="swish", at=dt.datetime(2027, 1, 2, 12, tzinfo=dt.UTC))
    assert list(Voucher.objects.order_by("date").values_list("fiscal_year_start", "number")) == [
        (dt.date(2026, 1, 1), 1),
        (dt.date(2027, 1, 1), 1),
        (dt.date(2027, 1, 1), 2),
    ]


def test_a_broken_fiscal_year_starting_in_july(settings):
    settings.BOOKKEEPING_FISCAL_YEAR_START = "07-01"
    order = paid_order(method="swish", at=dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC))
    voucher = Voucher.objects.get(order=order)
    assert (voucher.fiscal_year_start, voucher.fiscal_year_end) == (
        dt.date(2025, 7, 1),
        dt.date(2026, 6, 30),
    )


def test_a_paypal_capture_with_its_fee_books_payment_and_fee():
    from consonance.payments.models import Order
    from consonance.payments.providers.paypal.adapter import _capture_event
    from consonance.payments.services import payment_apply_event

    order = Order.objects.create(
        reference="PP1",
        method="paypal",
        description="Videokonsultation",
        provider_ref="ORDER-1",
        amount=Decimal("900.00"),
        vat_rate=Decimal("25.00"),
        payer_name="Klara Ek",
        payer_email="klara@example.se",
    )
    captured = {
        "id": "ORDER-1",
        "purchase_units": [
            {
                "custom_id": "PP1",
                "payments": {
                    "captures": [
                        {
                            "id": "CAP-1",
                            "status": "COMPLETED",
                            "create_time": "2026-03-16T09:30:00Z",
                            "amount": {"currency_code": "SEK", "value": "900.00"},
                            "seller_receivable_breakdown": {
                                "gross_amount": {"currency_code": "SEK", "value": "900.00"},
                                "paypal_fee": {"currency_code": "SEK", "value": "33.40"},
                                "net_amount": {"currency_code": "SEK", "value": "866.60"},
                            },
                        }
                    ]
                },
            }
        ],
    }
    event = _capture_event(captured)
    assert event.extra["fee"] == "33.40" and event.extra["fee_ref"] == "CAP-1"
    assert payment_apply_event(provider="paypal", event=event) == "paid"
    assert payment_apply_event(provider="paypal", event=event) == "replay"
    fee = Voucher.objects.get(order=order, kind="fee")
    assert rows(fee) == {"6040": Decimal("33.40"), "1580": Decimal("-33.40")}
    assert Voucher.objects.filter(order=order).count() == 2


def test_a_stripe_session_with_an_expanded_balance_transaction_reports_the_fee():
    from consonance.payments.providers.stripe.adapter import _session_fields

    fields = _session_fields(
        {
            "id": "cs_1",
            "currency": "sek",
            "amount_total": 90000,
            "client_reference_id": "R1",
            "payment_intent": {
                "id": "pi_1",
                "latest_charge": {
                    "id": "ch_1",
                    "balance_transaction": {"id": "txn_1", "fee": 1530, "currency": "sek"},
                },
            },
        }
    )
    assert fields["extra"] == {
        "reference": "R1",
        "fee": "15.30",
        "fee_currency": "SEK",
        "fee_ref": "txn_1",
    }


def test_the_invoice_method_books_the_invoice_then_clears_the_receivable(settings):
    from consonance.payments.bankgiro.services import bankgiro_invoice_create
    from consonance.payments.ledger import order_record_payment
    from consonance.payments.models import Order

    settings.BOOKKEEPING_METHOD = "invoice"
    order = Order.objects.create(
        reference="BG1",
        method="bankgiro",
        description="Videokonsultation",
        amount=Decimal("900.00"),
        vat_rate=Decimal("25.00"),
        payer_name="Klara Ek",
        payer_email="klara@example.se",
    )
    with time_machine.travel(AT):
        bankgiro_invoice_create(order_id=order.pk, actor=SYSTEM)
    invoice = Voucher.objects.get(order=order, kind="invoice")
    assert rows(invoice) == {
        "1510": Decimal("900.00"),
        "3001": Decimal("-720.00"),
        "2611": Decimal("-180.00"),
    }
    order_record_payment(
        order_id=order.pk,
        amount=Decimal("900.00"),
        provider="bankgiro",
        provider_event_id="bg-1",
        actor=SYSTEM,
        at=AT + dt.timedelta(days=5),
    )
    payment = Voucher.objects.get(order=order, kind="payment")
    assert rows(payment) == {"1930": Decimal("900.00"), "1510": Decimal("-900.00")}
    assert payment.vat_amount == 0


def test_a_bgmax_file_books_its_payments_in_bulk_with_consecutive_numbers(monkeypatch):

    paid_order(method="swish", at=AT)  # voucher A 1, before the file
    orders = []
    for n in range(3):
        order = Order.objects.create(
            reference=f"BGM{n}",
            method="bankgiro",
            description="Videokonsultation",
            amount=Decimal("900.00"),
            vat_rate=Decimal("25.00"),
            payer_name=f"Betalare {n}",
            payer_email=f"b{n}@example.se",
        )
        orders.append(bankgiro_invoice_create(order_id=order.pk, actor=SYSTEM))
    data = write_bgmax(
        [DepositInput(AT.date(), serial=1, payments=[(o.ocr_reference, o.amount) for o in orders])]
    )
    bankgiro_import(data=data, filename="bg.txt", dry_run=False, actor=SYSTEM)
    booked = Voucher.objects.filter(order__in=orders).order_by("number")
    assert [v.number for v in booked] == [2, 3, 4]
    assert [v.payer_name for v in booked] == ["Betalare 0", "Betalare 1", "Betalare 2"]
    for voucher in booked:
        assert rows(voucher) == {
            "1930": Decimal("900.00"),
            "3001": Decimal("-720.00"),
            "2611": Decimal("-180.00"),
        }
    assert Voucher.objects.count() == 4  # nothing twice from the per-payment hook
    paid_order(method="swish", at=AT)
    assert Voucher.objects.order_by("-number").first().number == 5


def test_a_card_payment_books_voucher_rows_and_receipt_in_five_statements_three_on_postgresql():
    """Issue 23: one number reservation for voucher and receipt, one legal-hold key read for
    both, three inserts (on PostgreSQL one statement: lib/inserts.py); what they hold reads back
    from the database under that key."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from consonance.bookkeeping.models import Document

    paid_order(method="card", at=AT)  # the series and the year's hold key exist from here on
    with CaptureQueriesContext(connection) as queries:
        order = paid_order(method="card", at=AT)
    books = [
        q["sql"]
        for q in queries.captured_queries
        if "bookkeeping_" in q["sql"] or "people_holdkey" in q["sql"]
    ]
    assert len(books) == (3 if connection.vendor == "postgresql" else 5), books
    assert sum("people_holdkey" in sql for sql in books) == 1
    voucher = Voucher.objects.get(order=order, kind="payment")
    receipt = Document.objects.get(order=order, kind="receipt")
    assert (voucher.number, receipt.number) == (2, 2)
    assert voucher.payer_name == receipt.buyer_name == "Klara Ek"
    assert receipt.description_en == order.description_en and receipt.paid_on == voucher.date
    assert rows(voucher) == {
        "1580": Decimal("900.00"),
        "3001": Decimal("-720.00"),
        "2611": Decimal("-180.00"),
    }
