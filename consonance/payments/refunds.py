"""Refunds: requested (by a cancellation, a slot lost to a race, the coach), sent through the
provider that took the money after commit, or handed to the coach when only she can (Bankgiro,
a provider that failed). Recorded on the order through the ledger, keyed by the provider's id."""

from __future__ import annotations

import logging
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from consonance.audit.services import SYSTEM, audit_append
from consonance.lib.urls import absolute_reverse
from consonance.payments import emails, ledger, methods, tasks
from consonance.payments.models import Order, Refund
from consonance.payments.providers.base import ProviderError
from consonance.payments.refund_accounts import refund_account_request, refund_needs_account
from consonance.payments.selectors import order_refundable

log = logging.getLogger(__name__)


class RefundRefused(ValueError):
    """More than was paid (less what is refunded or on its way back), or nothing at all."""


def refund_request(*, order: Order, amount: Decimal, reason: str, actor: str) -> Refund:
    """Create a refund (inside the caller's transaction); it is sent after commit.

    Never more than was paid: `amount` must be at most `order_refundable(order)` (what was paid,
    less what is refunded or already on its way back), else RefundRefused. Bankgiro refunds need
    the coach's hand: they become tasks on her staff page, and the payer is e-mailed a link to
    give the account the money goes to.
    """
    order = Order.objects.select_for_update().get(pk=order.pk)  # one refund decision at a time
    if amount <= 0 or amount > order_refundable(order):
        raise RefundRefused(f"order {order.pk}: refund of {amount} refused")
    manual = order.method == Order.Method.BANKGIRO or not order.payment_ref
    refund = Refund.objects.create(
        order=order,
        amount=amount,
        reason=reason,
        status=Refund.Status.MANUAL if manual else Refund.Status.REQUESTED,
        error_code="" if order.method == Order.Method.BANKGIRO or not manual else "no_payment_ref",
    )
    ledger.order_record_event(
        order_id=order.pk,
        kind="refund_requested",
        actor=actor,
        amount=amount,
        detail={"refund": refund.pk, "manual": manual},
    )
    if not manual:
        refund_id = refund.pk
        transaction.on_commit(lambda: tasks.refund_execute_task.enqueue(refund_id))
    elif refund_needs_account(refund):
        refund_account_request(refund_id=refund.pk, actor=actor)
    return refund


def refund_execute(*, refund_id: int) -> str:
    """Send a requested refund through the provider that took the payment (idempotent)."""
    refund = Refund.objects.select_related("order").get(pk=refund_id)
    if refund.status != Refund.Status.REQUESTED:
        return refund.status
    order = refund.order
    row = methods.method(order.method)
    name = row.provider
    provider = row.build() if row.starts_payment else None
    if provider is None:
        return _refund_to_coach(refund, "not_configured")
    try:
        result = provider.refund(
            payment_ref=order.payment_ref,
            amount=refund.amount,
            currency=order.currency,
            reference=order.reference,
            callback_url=absolute_reverse("payments-webhook", name),
            idempotency_key=f"refund-{refund.pk}",
        )
    except (ProviderError, ValueError) as error:
        code = getattr(error, "code", "") or type(error).__name__
        log.warning("refund %s through %s failed: %s", refund.pk, name, code)
        return _refund_to_coach(refund, str(code))
    with transaction.atomic():
        refund = Refund.objects.select_for_update().get(pk=refund.pk)
        if refund.status != Refund.Status.REQUESTED:
            return refund.status
        refund.provider_refund_ref = result.refund_ref
        if result.status == "failed":
            refund.save(update_fields=["provider_refund_ref"])
            return _refund_to_coach(refund, "provider_failed")
        if result.status == "done":
            ledger.order_record_refund(
                order_id=order.pk,
                amount=refund.amount,
                provider=name,
                provider_event_id=f"refund:{result.refund_ref}",
                actor=SYSTEM,
            )
            refund.save(update_fields=["provider_refund_ref"])
            refund_done(refund, actor=SYSTEM)
        else:
            refund.status = Refund.Status.PENDING
            refund.save(update_fields=["provider_refund_ref", "status"])
    return refund.status


def _refund_to_coach(refund: Refund, code: str) -> str:
    with transaction.atomic():
        Refund.objects.filter(pk=refund.pk).update(
            status=Refund.Status.MANUAL, error_code=code[:32]
        )
        ledger.order_record_event(
            order_id=refund.order_id, kind="refund_to_coach", actor=SYSTEM, amount=refund.amount
        )
    return Refund.Status.MANUAL


def refund_done(refund: Refund, *, actor: str) -> None:
    """The money is back with the payer: mark the refund done and tell her (P20)."""
    refund.status = Refund.Status.DONE
    refund.completed_at = timezone.now()
    refund.completed_by = actor[:40]
    refund.save(update_fields=["status", "completed_at", "completed_by"])
    emails.refund_confirmed(refund)


def refund_mark_done(*, refund_id: int, actor: str) -> bool:
    """The coach has paid the money back herself (Bankgiro, or a provider refund that failed)."""
    with transaction.atomic():
        refund = (
            Refund.objects.select_for_update(of=("self",)).select_related("order").get(pk=refund_id)
        )
        if refund.status != Refund.Status.MANUAL:
            return False
        order = Order.objects.select_for_update().get(pk=refund.order_id)
        if order.amount_refunded + refund.amount > order.amount_paid:
            return False  # never more back than was paid (a duplicate task)
        ledger.order_record_refund(
            order_id=refund.order_id,
            amount=refund.amount,
            provider="manual",
            provider_event_id=f"manual-refund:{refund.pk}",
            actor=actor,
        )
        refund_done(refund, actor=actor)
        audit_append(
            actor=actor,
            action="refund.marked_done",
            subject_id=refund.order.person_id,
            category="orders",
            detail={"order": refund.order_id, "refund": refund.pk},
        )
    return True
