"""Writes for payments: create an order, start its payment with a provider, apply provider events
(refunds are in `refunds.py`).

Provider calls (HTTP) never run inside a database transaction; what they return is recorded
through `consonance.payments.ledger`, which is idempotent per provider event id, so replayed and
duplicated callbacks change nothing. Refunds are keyed by the provider's refund id
("refund:<id>"), so the refund recorded from the API answer and the webhook announcing the same
refund count once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from consonance.audit.services import SYSTEM
from consonance.lib.identifiers import reencrypt
from consonance.lib.time import local_date
from consonance.lib.urls import absolute_reverse
from consonance.mail.selectors import address_erased
from consonance.payments import hooks, ledger, methods, payouts, refunds
from consonance.payments.models import BillingDetails, Order, Refund
from consonance.payments.providers.base import PaymentStart, ProviderError, ProviderEvent
from consonance.people.models import Person

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BillingIn:
    """The billing details a method needs (P8: no more): names, and a phone for Swish."""

    first_name: str
    last_name: str
    phone: str = ""


def order_create(
    *,
    person: Person,
    reference: str,
    method: str,
    description: str,
    amount: Decimal,
    vat_rate: Decimal,
    payer_name: str,
    billing: BillingIn | None,
    actor: str,
    description_en: str = "",
) -> Order:
    """A new pending order for `person`, with its "created" event (audited by the ledger)."""
    with transaction.atomic():
        order = Order.objects.create(
            reference=reference,
            person=person,
            method=method,
            description=description[:200],
            description_en=description_en[:200],
            amount=amount,
            vat_rate=vat_rate,
            payer_name=payer_name.strip()[:200],
            payer_email=person.email,
        )
        ledger.order_record_event(order_id=order.pk, kind="created", actor=actor, amount=amount)
        if billing is not None:
            BillingDetails.objects.create(
                order=order,
                person=person,
                first_name=billing.first_name,
                last_name=billing.last_name,
                email=person.email,
                phone=billing.phone,
            )
    return order


def orders_adopt(person: Person) -> int:
    """A Person was made for an address: orders and billing details naming that address without
    a person (hers was deleted by retention while an unpaid order's own clock still ran) are hers
    again, so that her export and erasure reach them. An erased address adopts nothing: what her
    erasure unlinked stays unlinked. Her contact clock does not move (an order proves nothing).
    Runs in the creating transaction, whose audit row counts what was linked."""
    if address_erased(person.email):
        return 0
    orders = Order.objects.filter(person__isnull=True, payer_email=person.email)
    details = BillingDetails.objects.filter(person__isnull=True, email=person.email)
    adopted = [*orders, *details]
    for row in adopted:  # under her key from now on, so that her erasure reaches them
        reencrypt(row, person=person)
        row.save()
    return len(adopted)


@dataclass(frozen=True)
class Started:
    redirect_url: str | None  # the provider's page, if the payer goes there
    swish_token: str | None = None  # a payment request to open on her phone (QR code, app switch)


def payment_start(*, order_id: int, return_url: str, cancel_url: str) -> Started:
    """Start the order's payment with its provider. The payer comes back to `return_url` (a page
    of the app that sold, absolute) or, giving up, to `cancel_url`.

    Raises ProviderError when the provider refuses or cannot be reached.
    """
    order = Order.objects.select_related("billing").get(pk=order_id)
    row = methods.method(order.method)
    name = row.provider
    if not row.starts_payment:
        return Started(redirect_url=None)  # an invoice: nothing to start
    provider = row.build()
    if provider is None:
        raise ProviderError(f"{name} is not configured")
    start: PaymentStart = provider.start_payment(
        reference=order.reference,
        amount=order.amount,
        currency=order.currency,
        description=order.description,
        payer_email=order.payer_email,
        cancel_url=cancel_url,
        callback_url=absolute_reverse("payments-webhook", name),
        idempotency_key=f"order-{order.reference}",
        **row.start_options(order, return_url),
    )
    with transaction.atomic():
        Order.objects.filter(pk=order.pk).update(provider_ref=start.provider_ref)
        ledger.order_record_event(
            order_id=order.pk, kind="payment_started", actor=SYSTEM, provider=name
        )
    return Started(redirect_url=start.redirect_url, swish_token=start.token)


# -- events from providers -----------------------------------------------------------------------


def _order_for(provider: str, event: ProviderEvent) -> Order | None:
    row = methods.of_provider(provider)
    assert row is not None  # the webhook view answers only for the table's providers
    method = row.value
    orders = Order.objects.filter(method=method)
    if event.kind in ("refunded", "refund_failed"):
        refund = (
            Refund.objects.filter(provider_refund_ref=event.provider_ref, order__method=method)
            .select_related("order")
            .first()
        )
        if refund is not None:
            return refund.order
        if event.payment_ref:
            found = orders.filter(payment_ref=event.payment_ref).first()
            if found is not None:
                return found
    elif event.provider_ref:
        found = orders.filter(provider_ref=event.provider_ref).first()
        if found is not None:
            return found
    reference = event.extra.get("reference")
    return orders.filter(reference=reference).first() if reference else None


def payment_apply_event(*, provider: str, event: ProviderEvent) -> str:
    """Apply a verified provider event to its order. Returns what happened (for logs/tests).

    Raises ProviderError when acting on it needs the provider and it cannot be reached (the
    webhook then answers 503, so the provider retries)."""
    row = methods.of_provider(provider)
    if row is not None and row.on_event is not None:
        outcome = row.on_event(event)
        if outcome is not None:
            return outcome
    if event.kind == "payout":
        return _apply_payout(provider, event)
    order = _order_for(provider, event)
    if order is None:
        log.warning("%s event %s matches no order", provider, event.raw_type)
        return "unknown_order"
    if event.kind == "paid":
        return _apply_paid(order, provider, event)
    if event.kind in ("failed", "cancelled"):
        return _apply_failed(order, provider, event)
    if event.kind == "refunded":
        return _apply_refunded(order, provider, event)
    if event.kind == "refund_failed":
        return _apply_refund_failed(order, provider, event)
    return "pending"


def _apply_paid(order: Order, provider: str, event: ProviderEvent) -> str:
    if event.currency and event.currency.upper() != order.currency:
        log.warning("order %s paid in another currency; recorded as an event only", order.pk)
        ledger.order_record_event(
            order_id=order.pk,
            kind="paid_wrong_currency",
            actor=SYSTEM,
            provider=provider,
            provider_event_id=event.event_id,
        )
        return "wrong_currency"
    with transaction.atomic():
        changes: dict[str, str] = {}
        if event.payment_ref and not order.payment_ref:
            changes["payment_ref"] = event.payment_ref
        if event.card_last4:  # P6: the last four digits and the expiry, nothing else
            changes["card_last4"] = event.card_last4[-4:]
        if event.card_expiry:
            changes["card_expiry"] = event.card_expiry.strftime("%m/%Y")
        if changes:
            Order.objects.filter(pk=order.pk).update(**changes)
        # One payment, however many messages announce it (PayPal's capture answer and its
        # PAYMENT.CAPTURE.COMPLETED webhook): keyed by the provider's payment id.
        key = f"paid:{event.payment_ref}" if event.payment_ref else event.event_id
        _order, changed = ledger.order_record_payment(
            order_id=order.pk,
            amount=event.amount if event.amount is not None else order.amount,
            provider=provider,
            provider_event_id=key,
            actor=SYSTEM,
            at=event.occurred_at,
        )
        if changed and event.extra.get("fee"):
            _fee_report(order, provider, event)
        elif changed and event.payment_ref:
            row = methods.of_provider(provider)
            if row is not None and row.on_paid is not None:
                row.on_paid(order, event.payment_ref)  # e.g. read a fee the event did not carry
    return "paid" if changed else "replay"


def _fee_report(order: Order, provider: str, event: ProviderEvent) -> None:
    """Tell the apps above about the provider's fee on this payment (bookkeeping books it)."""
    try:
        fee = Decimal(event.extra["fee"])
    except ArithmeticError:
        return
    payouts.fee_record(
        order=order,
        amount=fee,
        currency=event.extra.get("fee_currency") or order.currency,
        provider=provider,
        fee_ref=event.extra.get("fee_ref") or event.payment_ref or event.event_id,
        at=event.occurred_at or timezone.now(),
    )


def _apply_payout(provider: str, event: ProviderEvent) -> str:
    """A payout reached the bank (Stripe's payout.paid): recorded once, booked by bookkeeping."""
    if event.amount is None or event.amount <= 0:
        return "ignored"
    if (event.currency or "SEK") != "SEK":
        # The books are kept in kronor; a payout in another currency is hers to book.
        log.warning("%s payout in another currency than SEK: not booked", provider)
        return "wrong_currency"
    arrival = event.extra.get("arrival_date")
    if arrival:
        arrived_on = date.fromisoformat(arrival)
    else:
        arrived_on = local_date(event.occurred_at or timezone.now())
    _payout, created = payouts.payout_record(
        provider=provider,
        provider_ref=event.provider_ref,
        amount=event.amount,
        currency=event.currency or "SEK",
        arrived_on=arrived_on,
        actor=SYSTEM,
    )
    return "payout" if created else "replay"


def _apply_failed(order: Order, provider: str, event: ProviderEvent) -> str:
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        recorded = ledger.order_record_event(
            order_id=order.pk,
            kind=f"payment_{event.kind}",
            actor=SYSTEM,
            provider=provider,
            provider_event_id=event.event_id,
        )
        if not recorded:
            return "replay"
        if order.amount_paid > 0:
            # Out of order (an expiry after the payment): the payment stands.
            return "ignored_after_payment"
        failure = hooks.PaymentFailed(order=order, reason=f"payment_{event.kind}")
        if not any(hooks.payment_failed.collect(failure)):
            # No app above took the order back (no booking behind it): cancel it here.
            Order.objects.filter(pk=order.pk, status=Order.Status.PENDING).update(
                status=Order.Status.CANCELLED
            )
    return "released"


def _apply_refunded(order: Order, provider: str, event: ProviderEvent) -> str:
    row = methods.of_provider(provider)
    amount = row.refunded_amount(order, event) if row is not None else event.amount
    with transaction.atomic():
        refund = Refund.objects.filter(order=order, provider_refund_ref=event.provider_ref).first()
        if refund is not None and refund.status == Refund.Status.DONE:
            amount = Decimal(0)  # recorded from the API answer already
        changed = False
        if amount is not None and amount > 0:
            _order, changed = ledger.order_record_refund(
                order_id=order.pk,
                amount=amount,
                provider=provider,
                provider_event_id=f"refund:{event.provider_ref}",
                actor=SYSTEM,
                at=event.occurred_at,
            )
        if refund is not None and refund.status != Refund.Status.DONE:
            refunds.refund_done(refund, actor=SYSTEM)
        if not changed:
            ledger.order_record_event(
                order_id=order.pk,
                kind="refund_notified",
                actor=SYSTEM,
                provider=provider,
                provider_event_id=event.event_id,
            )
    return "refunded" if changed else "replay"


def _apply_refund_failed(order: Order, provider: str, event: ProviderEvent) -> str:
    with transaction.atomic():
        if not ledger.order_record_event(
            order_id=order.pk,
            kind="refund_failed",
            actor=SYSTEM,
            amount=event.amount,
            provider=provider,
            provider_event_id=event.event_id,
        ):
            return "replay"
        refund = (
            Refund.objects.select_for_update()
            .filter(order=order, provider_refund_ref=event.provider_ref)
            .first()
        )
        if refund is not None:
            if refund.status == Refund.Status.DONE:
                # The money came back to us: undo the recorded refund, then hand it to the coach.
                order = Order.objects.select_for_update().get(pk=order.pk)
                order.amount_refunded -= refund.amount
                if (
                    order.status == Order.Status.REFUNDED
                    and order.amount_refunded < order.amount_paid
                ):
                    order.status = Order.Status.PAID
                order.save(update_fields=["amount_refunded", "status"])
            refund.status = Refund.Status.MANUAL
            refund.error_code = (event.extra.get("failure_reason") or "refund_failed")[:32]
            refund.completed_at = None
            refund.save(update_fields=["status", "error_code", "completed_at"])
    return "refund_failed"
