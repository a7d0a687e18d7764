"""A booking paid by Bankgiro, through HTTP (the `practice` fixture)."""

from __future__ import annotations

from decimal import Decimal

import pytest
import time_machine

from consonance.booking.models import Booking
from consonance.payments.bankgiro.bgmax_writer import DepositInput, write_bgmax
from consonance.payments.bankgiro.imports import bankgiro_import
from consonance.payments.models import Order
from tests.factories.booking import BANKGIRO, NOW, form, make_practice, slot_links

# -- booking paid by Bankgiro, through HTTP (a fixture: register with pytest_plugins) -----------


@pytest.fixture
def practice(settings):
    settings.SITE_URL = "https://praktik.example"
    for name in ("STRIPE_SECRET_KEY", "PAYPAL_CLIENT_ID", "SWISH_PAYEE_ALIAS", "ZOOM_ACCOUNT_ID"):
        setattr(settings, name, "")
    settings.BANKGIRO_NUMBER = BANKGIRO
    settings.VIDEO_LINK = "https://video.example/rum"
    with time_machine.travel(NOW, tick=True):
        yield make_practice()


def book_by_bankgiro(client, video, n=1, days_ahead=7):
    page = client.get(f"/boka/{video.pk}/?sida=1")
    links = slot_links(page.content.decode(), video)
    assert links
    response = client.post(links[0], form("bankgiro", n))
    assert response.status_code == 302
    return response, Booking.objects.get(person__email=f"astrid{n}@example.se")


def pay(order: Order, amount: Decimal | None = None, serial: int = 1) -> None:
    data = write_bgmax(
        [
            DepositInput(
                NOW.date(), serial=serial, payments=[(order.ocr_reference, amount or order.amount)]
            )
        ]
    )
    bankgiro_import(data=data, filename=f"bg{serial}.txt", dry_run=False, actor="system")
