"""The VAT return's figures: per reporting period (month, quarter or fiscal year), the boxes she
fills in for her sales (05, 10-12, 42), each the sum of its accounts in the period's vouchers,
written the Swedish way and downloadable as CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from decimal import Decimal

import pytest
import time_machine

from consonance.audit.services import SYSTEM
from consonance.bookkeeping.fiscal import fiscal_year_ending_in
from consonance.bookkeeping.models import Voucher, VoucherRow
from consonance.bookkeeping.services import voucher_correct
from consonance.bookkeeping.vat import period_for, periods_in, vat_return
from consonance.payments.ledger import order_record_refund
from tests.factories import paid_order

pytestmark = pytest.mark.django_db

BOX_ACCOUNTS = {
    "05": {"3001", "3002", "3003"},
    "10": {"2611"},
    "11": {"2621"},
    "12": {"2631"},
    "42": {"3004"},
}


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 10, tzinfo=dt.UTC)


@pytest.fixture
def quarter_of_sales():
    """Q1 2026: 900 kr at 25 % by card (refunded), 900 kr by Swish, 560 kr at 12 %, 530 kr at
    6 %, 1 500 kr exempt; one sale in April."""
    card = paid_order(method="card", at=_at(dt.date(2026, 1, 20)))
    paid_order(method="swish", at=_at(dt.date(2026, 2, 3)))
    paid_order(method="swish", amount="560.00", vat_rate="12", at=_at(dt.date(2026, 2, 4)))
    paid_order(method="swish", amount="530.00", vat_rate="6", at=_at(dt.date(2026, 3, 5)))
    paid_order(method="bankgiro", amount="1500.00", vat_rate="0", at=_at(dt.date(2026, 3, 31)))
    order_record_refund(
        order_id=card.pk,
        amount=Decimal("900.00"),
        provider="stripe",
        provider_event_id="refund:re_q1",
        actor=SYSTEM,
        at=_at(dt.date(2026, 2, 10)),
    )
    paid_order(method="card", at=_at(dt.date(2026, 4, 1)))


def test_each_rate_books_on_its_own_accounts(quarter_of_sales):
    rows = {
        (row.voucher.vat_rate, row.account)
        for row in VoucherRow.objects.select_related("voucher").filter(voucher__kind="payment")
    }
    assert {(Decimal("12.00"), "3002"), (Decimal("12.00"), "2621")} <= rows
    assert {(Decimal("6.00"), "3003"), (Decimal("6.00"), "2631")} <= rows
    assert (Decimal("0.00"), "3004") in rows


def test_the_quarter_page_gives_each_box_in_swedish(staff_client, settings, quarter_of_sales):
    settings.VAT_PERIOD = "quarter"
    page = staff_client.get("/staff/bookkeeping/vat/?period=2026-k1").content.decode()
    assert "Momsdeklaration för kvartal 1 2026" in page
    assert "1 januari 2026" in page and "31 mars 2026" in page
    boxes = {row.split("<")[0]: row for row in page.split('<td class="box-number">')[1:]}
    # 720 net at 25 % (the card sale refunded), 500 at 12 %, 500 at 6 %: 1 720 kr in box 05.
    assert "<strong>1\xa0720 kr</strong>" in boxes["05"] and "1\xa0720,00 kr" in boxes["05"]
    assert "<strong>180 kr</strong>" in boxes["10"]
    assert "<strong>60 kr</strong>" in boxes["11"]
    assert "<strong>30 kr</strong>" in boxes["12"]
    assert "<strong>1\xa0500 kr</strong>" in boxes["42"] and "3004" in boxes["42"]
    assert "Övrig försäljning" in boxes["42"]
    assert "ingen, det stämmer" in page
    # Every period of the year, written the Swedish way, never as 2026-01.
    assert "kvartal 4 2026" in page and "2026-01" not in page
    assert '/staff/bookkeeping/vat/2026-k1.csv"' in page


def test_the_csv_holds_the_boxes(staff_client, settings, quarter_of_sales):
    settings.VAT_PERIOD = "quarter"
    response = staff_client.get("/staff/bookkeeping/vat/2026-k1.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="moms-2026-k1.csv"'
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == [
        "Period",
        "Ruta",
        "Vad",
        "Att fylla i (hela kronor)",
        "Summa i bokföringen (kr)",
        "Konton",
    ]
    by_box = {row[1]: row for row in rows[1:]}
    assert by_box["05"][0] == "kvartal 1 2026"
    assert by_box["05"][3:] == ["1720", "1720,00", "3001 3002 3003"]
    assert by_box["10"][3:5] == ["180", "180,00"]
    assert by_box["42"][3:5] == ["1500", "1500,00"]
    english = staff_client.get(
        "/staff/bookkeeping/vat/2026-k1.csv", headers={"accept-language": "en"}
    )
    assert english.status_code == 200
    for bad in ("2026-k5", "2026-01", "abcd", "2026-k1x", "9" * 40):
        assert staff_client.get(f"/staff/bookkeeping/vat/{bad}.csv").status_code == 404


def test_month_and_year_periods_follow_the_setting(staff_client, settings, quarter_of_sales):
    settings.VAT_PERIOD = "month"
    page = staff_client.get("/staff/bookkeeping/vat/?period=2026-02").content.decode()
    assert "Momsdeklaration för februari 2026" in page and "Du redovisar moms per månad." in page
    assert "december 2026" in page
    settings.VAT_PERIOD = "year"
    page = staff_client.get("/staff/bookkeeping/vat/?period=2026").content.decode()
    assert "Momsdeklaration för räkenskapsåret 2026" in page
    # Box 05 for the year: the April card sale too (720 net more).
    assert "<strong>2\xa0440 kr</strong>" in page


def test_a_malformed_period_shows_the_last_one_that_ended(staff_client, settings):
    settings.VAT_PERIOD = "quarter"
    with time_machine.travel(dt.datetime(2026, 5, 10, 12, tzinfo=dt.UTC)):
        for query in ("period=2026-k9", "period=%C3%A5", "period=" + "1" * 300, "ar=x", ""):
            response = staff_client.get(f"/staff/bookkeeping/vat/?{query}")
            assert response.status_code == 200, query
            assert "Momsdeklaration för kvartal 1 2026" in response.content.decode()
        page = staff_client.get("/staff/bookkeeping/vat/?ar=2025").content.decode()
        assert "Momsdeklaration för kvartal 4 2025" in page


def test_a_correction_and_a_refund_lower_the_boxes_of_their_own_period(settings):
    settings.VAT_PERIOD = "month"
    order = paid_order(method="swish", at=_at(dt.date(2026, 1, 15)))
    payment = Voucher.objects.get(order_id=order.pk, kind="payment")
    with time_machine.travel(dt.datetime(2026, 2, 2, 9, tzinfo=dt.UTC)):
        voucher_correct(voucher_id=payment.pk, actor="staff:1", reason="fel belopp")
    january = vat_return(period_for(dt.date(2026, 1, 1)))
    february = vat_return(period_for(dt.date(2026, 2, 1)))
    assert january.box("05").amount == Decimal("720.00") and january.box("10").whole == 180
    assert february.box("05").amount == Decimal("-720.00") and february.box("10").whole == -180
    assert february.vat_difference == 0 and january.vat_difference == 0


def _expected(start: dt.date, end: dt.date) -> dict[str, Decimal]:
    """The sums straight from the vouchers, in Python: credit positive."""
    sums = dict.fromkeys(BOX_ACCOUNTS, Decimal(0))
    for voucher in Voucher.objects.prefetch_related("rows"):
        if start <= voucher.date <= end:
            for row in voucher.rows.all():
                for box, accounts in BOX_ACCOUNTS.items():
                    if row.account in accounts:
                        sums[box] -= row.amount
    return sums


def test_the_figures_equal_the_sums_of_the_vouchers_over_random_periods():
    rng = random.Random(20260101)
    start = dt.date(2025, 11, 1)
    orders = []
    for n in range(60):
        day = start + dt.timedelta(days=rng.randrange(0, 520))
        orders.append(
            paid_order(
                method=rng.choice(["card", "swish", "paypal", "bankgiro"]),
                amount=f"{rng.randrange(100, 3000)}.{rng.randrange(0, 100):02d}",
                vat_rate=rng.choice(["25", "12", "6", "0"]),
                at=_at(day),
            )
        )
        if n % 7 == 0:
            order_record_refund(
                order_id=orders[-1].pk,
                amount=orders[-1].amount,
                provider={"card": "stripe"}.get(orders[-1].method, orders[-1].method),
                provider_event_id=f"refund:{n}",
                actor=SYSTEM,
                at=_at(day + dt.timedelta(days=rng.randrange(0, 40))),
            )
    for payment in rng.sample(list(Voucher.objects.filter(kind="payment")), 5):
        voucher_correct(voucher_id=payment.pk, actor="staff:1", reason="test", on=payment.date)
    checked = 0
    for kind in ("month", "quarter", "year"):
        for year in (2025, 2026, 2027):
            periods = periods_in(fiscal_year_ending_in(year), kind)
            for period in rng.sample(periods, min(4, len(periods))):
                report = vat_return(period)
                expected = _expected(period.start, period.end)
                for box in report.boxes:
                    assert box.amount == expected[box.number], (period, box.number)
                    assert box.whole == int(expected[box.number])
                assert report.vat_difference == 0, period
                assert (
                    report.vouchers
                    == Voucher.objects.filter(date__range=(period.start, period.end)).count()
                )
                checked += 1
    assert checked >= 20
    # Every öre booked on a VAT account lands in exactly one month of its year.
    months = periods_in(fiscal_year_ending_in(2026), "month")
    year = vat_return(periods_in(fiscal_year_ending_in(2026), "year")[0])
    for number in BOX_ACCOUNTS:
        assert sum(vat_return(m).box(number).amount for m in months) == year.box(number).amount
