"""Money that reaches the bank from a provider, and the providers' fees on payments.

Payouts: a Stripe payout arrives as its `payout.paid` event; a PayPal withdrawal is recorded by
the coach on the staff page "PayPal-uttag" (PayPal announces withdrawals by no webhook it
delivers reliably, and its Transaction Search API lags by hours and needs an extra permission;
she sees the withdrawal in her bank anyway). Each is recorded once per provider id and emits
`hooks.payout_recorded` in the same transaction (bookkeeping books the transfer).

Fees: PayPal reports its fee on the capture, and Stripe on the event only when the balance
transaction is expanded, which Checkout's never are; so a Stripe payment without a fee queues a
`FeeFetch`, which the worker completes from the balance transaction (`stripe_fee_fetch`), with
retries backing off, and books once, keyed by the balance transaction's id.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from consonance.audit.services import SYSTEM, audit_append
from consonance.payments import hooks, methods, tasks
from consonance.payments.models import FeeFetch, Order, Payout
from consonance.payments.providers.base import ProviderError

log = logging.getLogger(__name__)

# A fee that cannot be read is tried again after 5 minutes, doubling up to a day; after
# MAX_ATTEMPTS it waits for the coach (the reconciliation page shows the payment without fee).
FIRST_RETRY = dt.timedelta(minutes=5)
LONGEST_RETRY = dt.timedelta(days=1)
MAX_ATTEMPTS = 12


class PayoutRefused(ValueError):
    """Not a payout that can be recorded (an amount that is not positive, an unknown provider)."""


def payout_record(
    *,
    provider: str,
    provider_ref: str,
    amount: Decimal,
    currency: str,
    arrived_on: dt.date,
    actor: str,
) -> tuple[Payout, bool]:
    """Record money that reached the bank from `provider`. Returns the payout and whether it is
    new: the same provider id a second time (a webhook retried, a form sent twice) changes
    nothing. Raises PayoutRefused for an amount that is not positive."""
    row = methods.of_provider(provider)
    if row is None or not row.provider_held:
        raise PayoutRefused(f"no payouts from {provider!r}")
    if amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise PayoutRefused("a payout's amount must be positive, in whole öre")
    existing = Payout.objects.filter(provider=provider, provider_ref=provider_ref).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            payout = Payout.objects.create(
                provider=provider,
                provider_ref=provider_ref,
                amount=amount,
                currency=currency.upper(),
                arrived_on=arrived_on,
                recorded_by=actor[:40],
            )
            audit_append(
                actor=actor,
                action="payout.recorded",
                category="orders",
                detail={"payout": payout.pk, "provider": provider},
            )
            hooks.payout_recorded.emit(payout)
    except IntegrityError:  # a concurrent delivery of the same payout won the race
        return Payout.objects.get(provider=provider, provider_ref=provider_ref), False
    return payout, True


def fee_record(
    *,
    order: Order,
    amount: Decimal,
    currency: str,
    provider: str,
    fee_ref: str,
    at: dt.datetime,
) -> None:
    """Tell the apps above about a provider's fee on a payment (bookkeeping books it once per
    `fee_ref`). A fee that is not positive is nothing to book."""
    if amount <= 0:
        return
    hooks.fee_recorded.emit(
        hooks.ProviderFee(
            order=order, amount=amount, currency=currency, provider=provider, fee_ref=fee_ref, at=at
        )
    )


def stripe_fee_queue(*, order: Order, payment_ref: str) -> None:
    """Inside the payment's transaction: read its Stripe fee after commit (and later, if that
    fails). Queued once per payment."""
    fetch, created = FeeFetch.objects.get_or_create(order=order, payment_ref=payment_ref)
    if created:
        fetch_id = fetch.pk
        transaction.on_commit(lambda: tasks.stripe_fee_fetch_task.enqueue(fetch_id), robust=True)


def stripe_fee_fetch(*, fetch_id: int) -> str:
    """Read one payment's fee from Stripe and book it. Returns "done", "waiting" (Stripe has no
    balance transaction yet, or could not be reached: tried again later) or "already"."""
    fetch = FeeFetch.objects.select_related("order").get(pk=fetch_id)
    if fetch.done_at is not None:
        return "already"
    row = methods.method(fetch.order.method)  # the provider that reads fees later (on_paid)
    # Only a provider whose events carry no fee (Stripe's Checkout) has `payment_fee`.
    payment_fee = getattr(row.build(), "payment_fee", None)
    try:
        if payment_fee is None:
            raise ProviderError(f"{row.provider} is not configured")
        report = payment_fee(fetch.payment_ref)
    except ProviderError as error:
        log.warning("Stripe fee for order %s could not be read: %s", fetch.order_id, error)
        _later(fetch, "unreachable")
        return "waiting"
    if report is None:
        _later(fetch, "not_settled")
        return "waiting"
    with transaction.atomic():
        locked = FeeFetch.objects.select_for_update().get(pk=fetch.pk)
        if locked.done_at is not None:
            return "already"
        fee_record(
            order=fetch.order,
            amount=report.amount,
            currency=report.currency,
            provider=row.provider,
            fee_ref=report.fee_ref,
            at=report.at or timezone.now(),
        )
        locked.done_at, locked.fee_ref, locked.error = timezone.now(), report.fee_ref, ""
        locked.save(update_fields=["done_at", "fee_ref", "error"])
    return "done"


def _later(fetch: FeeFetch, error: str) -> None:
    attempts = fetch.attempts + 1
    wait = min(FIRST_RETRY * 2 ** (attempts - 1), LONGEST_RETRY)
    FeeFetch.objects.filter(pk=fetch.pk).update(
        attempts=attempts, error=error, next_attempt_at=timezone.now() + wait
    )


def stripe_fees_retry(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The worker's round: every fee due for another try (a periodic task)."""
    due = FeeFetch.objects.filter(
        done_at__isnull=True,
        next_attempt_at__lte=now or timezone.now(),
        attempts__lt=MAX_ATTEMPTS,
    ).values_list("pk", flat=True)
    outcome: dict[str, int] = {}
    for fetch_id in list(due[:200]):
        result = stripe_fee_fetch(fetch_id=fetch_id)
        outcome[result] = outcome.get(result, 0) + 1
    return outcome


def withdrawal_provider() -> str:
    """The provider whose money she withdraws to the bank herself (PayPal: it announces no
    withdrawal by webhook): the one holding money that pays nothing out on its own."""
    return next(row.provider for row in methods.providers_holding() if row.payout_window is None)


def paypal_withdrawal_record(
    *, amount: Decimal, arrived_on: dt.date, form_id: str, actor: str = SYSTEM
) -> tuple[Payout, bool]:
    """A PayPal withdrawal the coach saw reach her bank. `form_id` is the form's own id (a
    second send of the same form records nothing)."""
    return payout_record(
        provider=withdrawal_provider(),
        provider_ref=f"uttag:{form_id}"[:100],
        amount=amount,
        currency="SEK",
        arrived_on=arrived_on,
        actor=actor,
    )
