"""Paid orders for the books, and the SIE verifier."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

from django.core.management import call_command

from consonance.audit.services import SYSTEM
from consonance.payments.ledger import order_record_payment
from consonance.payments.models import Order

# -- bookkeeping (issue 8) -----------------------------------------------------------------------

_order_numbers = iter(range(1, 10**9))


def paid_order(
    *,
    method: str = "card",
    amount: str = "900.00",
    vat_rate: str = "25.00",
    at: datetime | None = None,
    person=None,
    payer_name: str = "Klara Ek",
    provider: str | None = None,
    event_id: str | None = None,
):
    """An order with its full payment recorded through the ledger (hooks and all)."""
    n = next(_order_numbers)
    order = Order.objects.create(
        reference=f"BK{n:06d}",
        person=person,
        method=method,
        description="Videokonsultation 50 min",
        amount=Decimal(amount),
        vat_rate=Decimal(vat_rate),
        payer_name=payer_name,
        payer_email=person.email if person else f"payer{n}@example.se",
    )
    default_provider = {"card": "stripe", "paypal": "paypal", "swish": "swish"}.get(method, method)
    order, _changed = order_record_payment(
        order_id=order.pk,
        amount=Decimal(amount),
        provider=provider or default_provider,
        provider_event_id=event_id or f"evt-{n}",
        actor=SYSTEM,
        at=at,
    )
    return order


# -- SIE ----------------------------------------------------------------------------------------


def sie_verify(path, capsys) -> tuple[int, dict]:
    """`consonance ledger verify FILE --json`: its exit code and what it printed."""
    try:
        call_command("ledger", "verify", str(path), "--json")
        code = 0
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    return code, json.loads(capsys.readouterr().out)
