"""The coach's bookkeeping at a glance: the voucher list in pages of 50 with filters (series,
month, account) and Swedish dates; a correction that reverses a voucher with a reason, audited,
after a confirmation; small charts drawn on the server as SVG, within the strict CSP."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal

import pytest
import time_machine

from consonance.audit.models import Event
from consonance.bookkeeping.models import Voucher
from consonance.bookkeeping.services import VoucherSpec, voucher_create
from tests.factories import confirmed_booking, make_practice, paid_order

pytestmark = pytest.mark.django_db


def _voucher(day: dt.date, *, series: str = "A", account: str = "3001", amount: str = "100"):
    spec = VoucherSpec(
        date=day,
        description=f"Försäljning {day}",
        rows=[("1930", Decimal(amount)), (account, -Decimal(amount))],
        kind=Voucher.Kind.OTHER,
        actor="system",
        series=series,
    )
    return voucher_create(spec, audit=False)


@pytest.fixture
def many_vouchers():
    """120 vouchers in 2026: series A through the year, ten in series B in March on 3004."""
    for n in range(110):
        _voucher(dt.date(2026, 1, 1) + dt.timedelta(days=n * 3))
    for n in range(10):
        _voucher(dt.date(2026, 3, 2 + n), series="B", account="3004", amount="250")


def _numbers(page: str) -> list[str]:
    return re.findall(r'/staff/bookkeeping/\d+/">(\w+)&nbsp;(\d+)</a>', page)


def test_the_list_comes_in_pages_of_fifty(staff_client, many_vouchers):
    first = staff_client.get("/staff/bookkeeping/?ar=2026").content.decode()
    assert "120 verifikationer" in first and "Sida 1 av 3" in first
    assert len(_numbers(first)) == 50 and _numbers(first)[0] == ("A", "1")
    assert 'href="?ar=2026&amp;sida=2" rel="next"' in first
    last = staff_client.get("/staff/bookkeeping/?ar=2026&sida=3").content.decode()
    assert len(_numbers(last)) == 20 and _numbers(last)[-1] == ("B", "10")
    # A page past the end shows the last; a page that is no number, the first.
    assert _numbers(staff_client.get("/staff/bookkeeping/?sida=99").content.decode()) == (
        _numbers(last)
    )
    for bad in ("x", "-1", "1e9", "%00"[:0] + "２"):
        response = staff_client.get(f"/staff/bookkeeping/?ar=2026&sida={bad}")
        assert response.status_code == 200 and "Sida 1 av 3" in response.content.decode()


def test_series_month_and_account_filter_the_list_and_the_pages_keep_them(
    staff_client, many_vouchers
):
    b = staff_client.get("/staff/bookkeeping/?ar=2026&serie=B").content.decode()
    assert "10 verifikationer" in b and {s for s, _n in _numbers(b)} == {"B"}
    march = staff_client.get("/staff/bookkeeping/?ar=2026&manad=3").content.decode()
    dates = re.findall(r'<time datetime="(2026-\d\d-\d\d)">', march)
    assert dates and all(d.startswith("2026-03") for d in dates)
    assert len(dates) == 10 + 10  # B's ten and A's every third day
    account = staff_client.get("/staff/bookkeeping/?ar=2026&konto=3004").content.decode()
    assert "10 verifikationer" in account
    both = staff_client.get("/staff/bookkeeping/?ar=2026&manad=1&konto=3001").content.decode()
    assert "11 verifikationer" in both
    # Pages keep the filters.
    everything_a = staff_client.get("/staff/bookkeeping/?ar=2026&serie=A").content.decode()
    assert 'href="?ar=2026&amp;serie=A&amp;sida=2"' in everything_a
    # Unknown values are dropped, never an error.
    for query in ("serie=Z", "manad=13", "manad=x", "konto=12345", "konto=abcd", "serie=%C3%A5"):
        response = staff_client.get(f"/staff/bookkeeping/?ar=2026&{query}")
        assert response.status_code == 200 and "120 verifikationer" in response.content.decode()
    none = staff_client.get("/staff/bookkeeping/?ar=2026&serie=B&manad=5").content.decode()
    assert "Inga verifikationer med de här valen." in none


def test_dates_are_swedish_and_do_not_wrap(staff_client, many_vouchers):
    page = staff_client.get("/staff/bookkeeping/?ar=2026").content.decode()
    cell = re.search(r'<td class="nowrap"[^>]*><time datetime="2026-01-04">([^<]+)</time>', page)
    assert cell is not None and cell.group(1) == "4 januari 2026"
    assert "<td>2026-01-04</td>" not in page
    assert '<option value="3">mars 2026</option>' in page


def test_a_correction_reverses_the_voucher_with_her_reason_after_confirming(staff_client):
    order = paid_order(method="swish", at=dt.datetime(2026, 3, 3, 10, tzinfo=dt.UTC))
    original = Voucher.objects.get(order_id=order.pk)
    detail = staff_client.get(f"/staff/bookkeeping/{original.pk}/").content.decode()
    url = f"/staff/bookkeeping/{original.pk}/correction/"
    assert f'href="{url}"' in detail and "Rätta verifikationen" in detail
    form = staff_client.get(url).content.decode()
    assert "vänder varje rad" in form and "-720,00 kr" in form and "-180,00 kr" in form
    # Without a reason, or without the confirmation, nothing is written.
    for data in ({"reason": "  ", "confirm": "on"}, {"reason": "fel konto"}):
        response = staff_client.post(url, data)
        assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert Voucher.objects.count() == 1
    with time_machine.travel(dt.datetime(2026, 4, 2, 9, tzinfo=dt.UTC)):
        response = staff_client.post(url, {"reason": "fel  konto", "confirm": "on"}, follow=True)
    correction = Voucher.objects.get(kind="correction")
    assert response.redirect_chain[-1][0] == f"/staff/bookkeeping/{correction.pk}/"
    page = response.content.decode()
    assert f"{correction.label} är skapad och vänder {original.label}." in page
    assert correction.description == f"Rättelse av {original.label}: fel konto"
    assert correction.refers_to == original and correction.date == dt.date(2026, 4, 2)
    rows = {r.account: r.amount for r in correction.rows.all()}
    assert rows == {r.account: -r.amount for r in original.rows.all()}
    event = Event.objects.get(action="voucher.corrected")
    assert json.loads(event.detail) == {
        "voucher": correction.pk,
        "series": correction.series,
        "number": correction.number,
        "corrects": original.pk,
    }
    assert event.actor.startswith("staff:")
    # Once corrected: no button, and the form leads to the correction.
    detail = staff_client.get(f"/staff/bookkeeping/{original.pk}/").content.decode()
    assert "Rätta verifikationen" not in detail
    again = staff_client.post(url, {"reason": "igen", "confirm": "on"})
    assert again.status_code == 302 and again["Location"].endswith(f"/{correction.pk}/")
    assert Voucher.objects.filter(kind="correction").count() == 1
    assert staff_client.get("/staff/bookkeeping/999999/correction/").status_code == 404


def test_the_charts_are_svg_without_script_or_inline_style(staff_client):
    video, _email = make_practice()
    paid_order(method="swish", at=dt.datetime(2026, 2, 3, 10, tzinfo=dt.UTC))
    paid_order(method="card", amount="1800.00", at=dt.datetime(2026, 3, 3, 10, tzinfo=dt.UTC))
    confirmed_booking(video, dt.datetime(2026, 3, 10, 9, tzinfo=dt.UTC))
    confirmed_booking(video, dt.datetime(2026, 3, 11, 9, tzinfo=dt.UTC), email="b@example.se")
    with time_machine.travel(dt.datetime(2026, 5, 5, 9, tzinfo=dt.UTC)):
        response = staff_client.get("/staff/bookkeeping/glance/?ar=2026")
    page = response.content.decode()
    assert response.status_code == 200
    assert "style-src 'self'" in response["Content-Security-Policy"]
    assert page.count('<svg class="chart"') == 3
    main = page.split("<main", 1)[1]
    assert "<script" not in main and " style=" not in main
    # Income: 720 kr in February, 1 440 kr in March (net of VAT); sessions: two in March.
    assert "februari 2026: 720 kr" in page and "mars 2026: 1\xa0440 kr" in page
    assert "mars 2026: 2 samtal" in page and "april 2026: 0 samtal" in page
    assert "inga obetalda fakturor" in page
    heights = re.findall(
        r'<rect class="bar" x="[\d.]+" y="[\d.]+" width="[\d.]+" height="([\d.]+)"', page
    )
    assert "164.0" in heights  # the tallest bar fills the chart's height (220 - 26 - 30)
