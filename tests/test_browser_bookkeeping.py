"""The coach's bookkeeping in a real browser (Chromium): the VAT return of a quarter and its CSV,
the voucher list paged and filtered, a correction with its confirmation, and the charts, with
the strict CSP enforced: no violation may be reported on any of these pages."""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.conf import settings as django_settings

from consonance.bookkeeping.models import Voucher
from consonance.bookkeeping.services import VoucherSpec, voucher_create
from tests.factories import confirmed_booking, make_practice, paid_order

pytestmark = pytest.mark.django_db(transaction=True)
SHOTS = Path(os.environ.get("CONSONANCE_SCREENSHOTS") or "/tmp")


@pytest.fixture
def coach_tab(tab, live_server, staff_client, settings):
    """A tab signed in as the coach (the test client's session, both factors done)."""
    settings.DEBUG = False
    settings.VAT_PERIOD = "quarter"
    tab.context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": staff_client.cookies[django_settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    violations: list[str] = []
    tab.on(
        "console",
        lambda message: (
            violations.append(message.text)
            if "Content Security Policy" in message.text or "Refused to" in message.text
            else None
        ),
    )
    tab.base = live_server.url
    tab.violations = violations
    return tab


@pytest.fixture
def books():
    video, _email = make_practice()
    paid_order(method="swish", at=dt.datetime(2026, 1, 14, 10, tzinfo=dt.UTC))
    paid_order(method="card", at=dt.datetime(2026, 2, 3, 10, tzinfo=dt.UTC))
    paid_order(
        method="swish", amount="265.00", vat_rate="6", at=dt.datetime(2026, 2, 9, 9, tzinfo=dt.UTC)
    )
    paid_order(
        method="bankgiro",
        amount="1500.00",
        vat_rate="0",
        at=dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC),
    )
    for n in range(60):
        spec = VoucherSpec(
            date=dt.date(2026, 1, 5) + dt.timedelta(days=n),
            description=f"Kassaförsäljning {n + 1}",
            rows=[
                ("1930", Decimal("125.00")),
                ("3001", Decimal("-100.00")),
                ("2611", Decimal("-25.00")),
            ],
            kind=Voucher.Kind.OTHER,
            actor="system",
            vat_amount=Decimal("25.00"),
        )
        voucher_create(spec, audit=False)
    confirmed_booking(video, dt.datetime(2026, 2, 10, 9, tzinfo=dt.UTC))


def _shot(tab, name: str) -> None:
    for width in (1200, 390):
        tab.set_viewport_size({"width": width, "height": 900})
        tab.screenshot(path=str(SHOTS / f"bookkeeping-{name}-{width}.png"), full_page=width > 400)
    tab.set_viewport_size({"width": 1200, "height": 900})


def test_the_vat_return_of_a_quarter_in_the_browser(coach_tab, books):
    tab = coach_tab
    with time_machine.travel(dt.datetime(2026, 4, 15, 9, tzinfo=dt.UTC), tick=True):
        tab.goto(tab.base + "/staff/bookkeeping/vat/")
        body = tab.inner_text("body")
    assert "Momsdeklaration för kvartal 1 2026" in body
    rows = {
        tab.inner_text(f"#deklaration tbody tr:nth-child({n}) td.box-number"): tab.inner_text(
            f"#deklaration tbody tr:nth-child({n}) td.amount strong"
        )
        for n in range(1, 6)
    }
    # 60 times 100 kr + 720 + 720 at 25 %, 250 at 6 %: box 05; 1 500 kr exempt in box 42.
    assert rows == {
        "05": "7\xa0690 kr",
        "10": "1\xa0860 kr",
        "11": "0 kr",
        "12": "15 kr",
        "42": "1\xa0500 kr",
    }
    assert "ingen, det stämmer" in body and "2026-01" not in body
    with tab.expect_download() as download:
        tab.click("text=Ladda ner som CSV")
    assert download.value.suggested_filename == "moms-2026-k1.csv"
    content = Path(download.value.path()).read_text("utf-8-sig")
    assert "kvartal 1 2026;05;" in content and ";7690;7690,00;3001 3002 3003" in content
    _shot(tab, "vat")
    tab.click("text=kvartal 2 2026")
    assert "Momsdeklaration för kvartal 2 2026" in tab.inner_text("body")
    assert tab.violations == []


def test_the_voucher_list_pages_filters_and_corrects_in_the_browser(coach_tab, books):
    tab = coach_tab
    tab.goto(tab.base + "/staff/bookkeeping/?ar=2026")
    body = tab.inner_text("body")
    assert "64 verifikationer" in body and "Sida 1 av 2" in body
    # A date stays on one line, even on a phone.
    tab.set_viewport_size({"width": 390, "height": 900})
    cell = tab.locator("td[data-label=Datum] time").first
    assert cell.inner_text() == "14 januari 2026"  # the first voucher: the Swish payment
    box = cell.bounding_box()
    assert box is not None and box["height"] < 30
    tab.set_viewport_size({"width": 1200, "height": 900})
    _shot(tab, "vouchers")
    tab.click("text=Nästa →")
    assert "Sida 2 av 2" in tab.inner_text("body")
    tab.select_option("#manad", "3")
    tab.select_option("#konto", "3004")
    tab.click("form.filters button[type=submit]")
    body = tab.inner_text("body")
    assert "1 verifikation," in body and tab.locator("table.vouchers tbody tr").count() == 1
    tab.click("table.vouchers tbody a")
    tab.click("text=Rätta verifikationen")
    assert "vänder varje rad" in tab.inner_text("body")
    _shot(tab, "correction")
    tab.fill("#id_reason", "fel konto")
    tab.click("main form button[type=submit]")  # the confirmation is not ticked: refused
    assert tab.locator("main .errorlist").count() >= 1 or tab.evaluate(
        "!document.querySelector('#id_confirm').checkValidity()"
    )
    assert not Voucher.objects.filter(kind="correction").exists()
    tab.check("#id_confirm")
    tab.click("main form button[type=submit]")
    body = tab.inner_text("body")
    assert "är skapad och vänder" in body and "Rättelse av" in body
    assert Voucher.objects.filter(kind="correction").count() == 1
    assert tab.violations == []


def test_the_charts_in_the_browser(coach_tab, books):
    tab = coach_tab
    tab.goto(tab.base + "/staff/bookkeeping/glance/?ar=2026")
    assert tab.locator("svg.chart").count() == 3
    assert tab.locator("svg.chart rect.bar").count() >= 4
    # The bars take their colour from the stylesheet, not from an attribute.
    fill = tab.evaluate("getComputedStyle(document.querySelector('svg.chart rect.bar')).fill")
    assert fill == "rgb(47, 93, 98)"
    assert "Intäkter per månad" in tab.inner_text("body")
    _shot(tab, "glance")
    assert tab.violations == []
