"""The Bankgiro app's answers to hooks declared below it, registered in BankgiroConfig.ready()."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from consonance.lib import overview
from consonance.lib.money import format_amount
from consonance.payments.bankgiro.selectors import payments_unmatched_open


def waiting_unmatched(query: overview.OverviewQuery) -> list[overview.Waiting]:
    url = reverse("bankgiro_staff:index")
    return [
        overview.Waiting(
            group=_("Inbetalning utan order"),
            text=f"{format_amount(payment.amount)} · {payment.payment_date:%Y-%m-%d}",
            url=url,
        )
        for payment in payments_unmatched_open(limit=query.limit)
    ]


def register() -> None:
    overview.waiting.register(waiting_unmatched)
