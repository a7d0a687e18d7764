"""20 payments recorded at the same moment get 20 consecutive voucher numbers, no gap, no twin."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection

from consonance.audit.services import SYSTEM
from consonance.bookkeeping.models import Document, Voucher
from consonance.payments.ledger import order_record_payment
from consonance.payments.models import Order

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 20


def test_twenty_concurrent_payments_are_numbered_without_gaps():
    orders = [
        Order.objects.create(
            reference=f"C{n:04d}",
            method="swish" if n % 2 else "card",
            description="Videokonsultation",
            amount=Decimal("900.00"),
            vat_rate=Decimal("25.00"),
            payer_name=f"Betalare {n}",
            payer_email=f"p{n}@example.se",
        )
        for n in range(THREADS)
    ]
    barrier = threading.Barrier(THREADS)
    failures: list[BaseException] = []

    def pay(order_id: int) -> None:
        try:
            barrier.wait()
            order_record_payment(
                order_id=order_id,
                amount=Decimal("900.00"),
                provider="swish",
                provider_event_id=f"evt-{order_id}",
                actor=SYSTEM,
            )
        except BaseException as error:
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=pay, args=(o.pk,)) for o in orders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    numbers = sorted(Voucher.objects.values_list("number", flat=True))
    assert numbers == list(range(1, THREADS + 1))
    assert Voucher.objects.filter(order__in=orders).count() == THREADS
    receipts = sorted(Document.objects.values_list("number", flat=True))
    assert receipts == list(range(1, THREADS + 1))
