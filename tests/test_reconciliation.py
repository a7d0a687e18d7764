"""The reconciliation page ("Avstämning") per provider and month: what came in, fees, what reached
the bank and what is on its way, with differences in words. A quarter of the demo closes: every
card and PayPal payment has its fee and payout, the clearing account ends at zero once the
payouts have arrived, and no month shows an unexplained difference."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import Sum

from consonance.audit.services import SYSTEM
from consonance.bookkeeping.models import Voucher, VoucherRow
from consonance.bookkeeping.reconciliation import reconcile
from consonance.lib.time import STOCKHOLM
from consonance.payments.bankgiro.imports import bankgiro_import
from consonance.payments.payouts import fee_record, payout_record
from tests.factories import paid_order

pytestmark = pytest.mark.django_db

TODAY = dt.datetime(2026, 5, 20, 12, 0, tzinfo=STOCKHOLM)
PAGE = "/staff/bookkeeping/reconciliation/"


@pytest.fixture
def today():
    with time_machine.travel(TODAY, tick=False):
        yield TODAY.date()


@pytest.fixture
def demo(settings, today, staff_client):
    """The demo, loaded on 20 May 2026 (its staff account is the signed-in coach's)."""
    settings.DEBUG = True
    call_command("demo", stdout=io.StringIO())


def _sum(rows) -> Decimal:
    return (rows.aggregate(total=Sum("amount"))["total"] or Decimal(0)).quantize(Decimal("0.01"))


def test_a_quarter_of_the_demo_closes_with_fees_payouts_and_no_unexplained_difference(
    today, staff_client, demo
):
    quarter_end = dt.date(2026, 3, 31)
    for provider in ("stripe", "paypal"):
        paid = Voucher.objects.filter(kind="payment", provider=provider, date__lte=quarter_end)
        assert paid.count() >= 5
        fees = set(
            Voucher.objects.filter(kind="fee", provider=provider).values_list("order_id", flat=True)
        )
        assert {v.order_id for v in paid} <= fees  # every payment has its fee booked
        clearing = VoucherRow.objects.filter(account="1580", voucher__provider=provider)
        held = _sum(clearing.filter(voucher__date__lte=quarter_end))
        # The quarter's last takings reach the bank within a week (Stripe: net of refunds made
        # meanwhile, which leave the balance at once) or on the 2nd (PayPal's withdrawal):
        days = 7 if provider == "stripe" else 2
        arriving = _sum(
            clearing.filter(
                voucher__kind__in=("transfer", "refund"),
                voucher__date__gt=quarter_end,
                voucher__date__lte=quarter_end + dt.timedelta(days=days),
            )
        )
        assert held > 0 and held + arriving == 0
    for provider in ("stripe", "paypal", "bankgiro"):
        for month in (1, 2, 3, 4, 5):
            result = reconcile(provider, 2026, month, today=TODAY.date())
            assert result.unexplained == [], (provider, month, result.differences)
    march = reconcile("stripe", 2026, 3, today=TODAY.date())
    assert march.came_in > 0 and march.fees > 0 and march.to_bank > 0
    assert march.closing > 0 and all(d.explained for d in march.differences)  # the last week

    page = staff_client.get(PAGE, {"via": "stripe", "manad": "2026-03"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "Avstämning" in html and "Stripe, 1 mars–31 mars 2026" in html
    assert "är på väg" in html and "Oförklarad" not in html
    paypal = staff_client.get(PAGE, {"via": "paypal", "manad": "2026-04"}).content.decode()
    assert "kvar på ditt PayPal-konto" in paypal and "Oförklarad" not in paypal
    bankgiro = staff_client.get(PAGE, {"via": "bankgiro", "manad": "2026-05"}).content.decode()
    assert "Insättningar på bankkontot" in bankgiro and "Oförklarad" not in bankgiro


def test_a_payment_without_its_fee_and_a_payout_never_seen_are_unexplained(staff_client, today):
    at = dt.datetime(2026, 4, 6, 10, tzinfo=STOCKHOLM)
    order = paid_order(method="card", at=at)
    result = reconcile("stripe", 2026, 4, today=today)
    assert [d.explained for d in result.differences] == [False, False]
    texts = " ".join(d.text for d in result.differences)
    assert "1 betalning saknar bokförd avgift" in texts
    assert "900,00 kr borde redan ha kommit till banken från Stripe" in texts

    fee_record(
        order=order, amount=Decimal("15.30"), currency="SEK", provider="stripe", fee_ref="t", at=at
    )
    payout_record(
        provider="stripe",
        provider_ref="po_1",
        amount=Decimal("884.70"),
        currency="SEK",
        arrived_on=dt.date(2026, 4, 13),
        actor=SYSTEM,
    )
    result = reconcile("stripe", 2026, 4, today=today)
    assert (result.came_in, result.fees, result.to_bank, result.closing) == (
        Decimal("900.00"),
        Decimal("15.30"),
        Decimal("884.70"),
        Decimal("0.00"),
    )
    assert result.differences == []
    html = staff_client.get(PAGE, {"via": "stripe", "manad": "2026-04"}).content.decode()
    assert "Allt stämmer" in html and "884,70 kr" in html


def test_more_paid_out_than_came_in_is_unexplained(today):
    payout_record(
        provider="paypal",
        provider_ref="uttag:x",
        amount=Decimal("100.00"),
        currency="SEK",
        arrived_on=dt.date(2026, 5, 4),
        actor=SYSTEM,
    )
    [difference] = reconcile("paypal", 2026, 5, today=today).differences
    assert not difference.explained and "100,00 kr mer har gått till banken" in difference.text


@pytest.mark.parametrize(
    "query",
    [
        {"via": "x", "manad": "2026-13"},
        {"manad": "abc"},
        {"via": "stripe\x00"},
        {"manad": "1999-01"},
        {},
    ],
)
def test_odd_addresses_show_a_page_never_an_error(staff_client, today, query):
    assert staff_client.get(PAGE, query).status_code in (200, 400)


def test_the_page_is_for_staff_only(client, today):
    assert client.get(PAGE).status_code in (302, 403, 404)


BGMAX = "/work/shared/fixtures/bgmax/bankgirot-exempelfil-ocr-langd.txt"


def test_a_bankgiro_deposit_books_what_no_order_took_so_the_bank_matches_its_total(
    staff_client, settings
):
    """Bankgirot's own example file: no invoice of ours matches, one deduction."""
    data = Path(BGMAX).read_bytes()
    report = bankgiro_import(data=data, filename="exempel.txt", dry_run=False, actor=SYSTEM)
    assert report.applied
    deposit = Voucher.objects.get(description__contains="insättning 00074")
    rows = [(row.account, row.amount) for row in deposit.rows.all()]
    assert rows == [
        ("1930", Decimal("2400.00")),
        ("2890", Decimal("-2400.00")),
        ("2890", Decimal("500.00")),
        ("1930", Decimal("-500.00")),
    ]
    assert deposit.date == dt.date(2004, 5, 25)
    bank = VoucherRow.objects.filter(account="1930", voucher__provider="bankgiro")
    assert _sum(bank) == Decimal("9900.00")  # 1 900 + 8 000: the SEK deposits' totals (TK15)
    assert Voucher.objects.filter(source__startswith="deposit:").count() == 2  # EUR: by hand

    again = bankgiro_import(data=data, filename="exempel.txt", dry_run=False, actor=SYSTEM)
    assert again.already_imported and Voucher.objects.filter(provider="bankgiro").count() == 2

    result = reconcile("bankgiro", 2004, 5, today=dt.date(2004, 6, 1))
    assert result.to_bank == Decimal("9900.00") and result.unexplained == []
    html = staff_client.get(PAGE, {"via": "bankgiro", "manad": "2004-05"}).content.decode()
    assert "konto 2890" in html and "drog av 500,00 kr" in html and "Oförklarad" not in html
