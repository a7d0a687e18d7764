"""The payments app's answers to hooks declared below it, registered in PaymentsConfig.ready()."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consonance.lib import overview
from consonance.lib.money import format_amount
from consonance.lib.time import STOCKHOLM
from consonance.payments import methods
from consonance.payments.models import Order, OrderEvent, Refund
from consonance.payments.selectors import OPEN_REFUNDS, person_orders, refund_tasks
from consonance.payments.services import orders_adopt
from consonance.people import hooks as people_hooks
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
                url=reverse("payments_staff:refund", args=[refund.pk]),
                due_at=due,
                overdue=due < query.now,
                person_id=refund.order.person_id,
            )
        )
    return items


def refunds_open(person: Person) -> int:
    """Rights asks before an erasure: refunds still to reach her (they go with her orders)."""
    return Refund.objects.filter(order__person_id=person.pk, status__in=OPEN_REFUNDS).count()


# -- the coach's client list and card (people.hooks) -------------------------------------------


def client_ids(_ask: None) -> Q:
    return Q(pk__in=Order.objects.filter(person__isnull=False).values("person_id"))


def _refund_item(refund: Refund, now: datetime) -> people_hooks.OpenItem:
    due = refund.created_at + REFUND_WITHIN
    if refund.status == Refund.Status.MANUAL:
        return people_hooks.OpenItem(_("Återbetalning att göra"), due, overdue=due < now)
    return people_hooks.OpenItem(_("Återbetalning på väg"), due)


def clients_open(ask: people_hooks.ClientsAsk) -> dict[int, list[people_hooks.OpenItem]]:
    """Per person: refunds the coach must make by hand."""
    found: dict[int, list[people_hooks.OpenItem]] = {}
    for refund in Refund.objects.filter(
        order__person_id__in=ask.person_ids, status=Refund.Status.MANUAL
    ).select_related("order"):
        person_id = refund.order.person_id
        assert person_id is not None  # filtered on it
        found.setdefault(person_id, []).append(_refund_item(refund, ask.now))
    return found


def client_card(ask: people_hooks.CardAsk) -> people_hooks.CardSection | None:
    """Her orders with what was paid and paid back, and refunds on their way."""
    orders = list(person_orders(ask.person.pk).prefetch_related("refunds"))
    if not orders:
        return None
    moves = OrderEvent.objects.filter(
        order__in=orders, kind__in=("paid", "refunded"), amount__isnull=False
    ).select_related("order")
    deadlines = [
        _refund_item(refund, ask.now)
        for order in orders
        for refund in order.refunds.all()
        if refund.status in OPEN_REFUNDS
    ]
    deadlines += [
        people_hooks.OpenItem(
            _("Fakturan förfaller"),
            datetime.combine(order.due_date, time(23, 59), tzinfo=STOCKHOLM),
        )
        for order in orders
        if order.due_date and order.status == Order.Status.PENDING
    ]
    return people_hooks.CardSection(
        position=20,
        anchor="betalningar",
        title=_("Ordrar och betalningar"),
        template="payments/staff/_client_section.html",
        context={"orders": orders, "moves": sorted(moves, key=lambda e: (e.at, e.pk))},
        deadlines=tuple(deadlines),
    )


# -- who received her data (rights.recipients_of) ----------------------------------------------

# "manual": a refund the coach paid herself, from the business bank account (the Swish bank).
MANUAL_RECIPIENT = "swish_bank"


def _recipient(provider: str) -> str | None:
    """A provider's name (on the order's events) -> the policy's recipient (the table says)."""
    if provider == "manual":
        return MANUAL_RECIPIENT
    row = methods.of_provider(provider)
    return row.recipient if row is not None else None


def recipients_of(person: Person) -> list[rights_hooks.RecipientUse]:
    """The provider of each of her payments, from what happened: a payment started at the
    provider (the order has its id: card, PayPal, Swish), and every payment or refund it
    reported. A Bankgiro invoice reaches Bankgirot only when she pays it."""
    uses = []
    for order in person_orders(person.pk).prefetch_related("events"):
        moments = [(e.provider, e.at) for e in order.events.all() if e.provider]
        if order.provider_ref:
            moments.append((methods.method(order.method).provider, order.created_at))
        recipients = [(_recipient(provider), at) for provider, at in moments]
        uses += [rights_hooks.RecipientUse(r, at, at) for r, at in recipients if r is not None]
    return uses


def register() -> None:
    rights_hooks.recipients_of.register(recipients_of)
    overview.waiting.register(waiting_refunds)
    rights_hooks.refunds_open.register(refunds_open)
    people_hooks.clients_known.register(client_ids)
    people_hooks.clients_open.register(clients_open)
    people_hooks.client_card.register(client_card)
    people_hooks.person_created.register(orders_adopt)
