"""The payments app's answers to hooks declared below it, registered in PaymentsConfig.ready()."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consonance.lib import overview
from consonance.lib.money import format_amount
from consonance.payments.models import Refund
from consonance.payments.selectors import OPEN_REFUNDS, refund_tasks
from consonance.people.models import Person
from consonance.rights import hooks as rights_hooks

# Where the payer's account for a refund paid by hand stands (Refund.account_state).
ACCOUNT_STATES = {
    "waiting": gettext_lazy("väntar på kundens kontouppgifter"),
    "received": gettext_lazy("kontouppgifterna har kommit"),
}

# A refund is due within 14 days of the cancellation (the Distance Contracts Act's period).
REFUND_WITHIN = timedelta(days=14)


def waiting_refunds(query: overview.OverviewQuery) -> list[overview.Waiting]:
    items = []
    for refund in refund_tasks()[: query.limit]:
        due = refund.created_at + REFUND_WITHIN
        text = f"{format_amount(refund.amount)} · {refund.order.reference}"
        if refund.account_state:
            text += " · " + str(ACCOUNT_STATES[refund.account_state])
        items.append(
            overview.Waiting(
                group=_("Återbetalning att göra"),
                text=text,
                url=reverse("staff-payments-refund", args=[refund.pk]),
                due_at=due,
                overdue=due < query.now,
            )
        )
    return items


def refunds_open(person: Person) -> int:
    """Rights asks before an erasure: refunds still to reach her (they go with her orders)."""
    return Refund.objects.filter(order__person_id=person.pk, status__in=OPEN_REFUNDS).count()


def register() -> None:
    overview.waiting.register(waiting_refunds)
    rights_hooks.refunds_open.register(refunds_open)
