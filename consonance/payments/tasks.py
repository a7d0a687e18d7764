"""Payments' background work: refunds go out through the provider after commit; Stripe's fees
are read after a payment (and again, backing off, until they are)."""

from __future__ import annotations

from datetime import timedelta

from django.tasks import task

from consonance.payments import payouts, refunds
from consonance.worker.schedule import Periodic


@task
def refund_execute_task(refund_id: int) -> str:
    return refunds.refund_execute(refund_id=refund_id)


@task
def stripe_fee_fetch_task(fetch_id: int) -> str:
    return payouts.stripe_fee_fetch(fetch_id=fetch_id)


@task
def stripe_fees_retry_task() -> dict[str, int]:
    return payouts.stripe_fees_retry()


PERIODIC = [
    Periodic(
        name="stripe-fees",
        every=timedelta(minutes=5),
        task="consonance.payments.tasks.stripe_fees_retry_task",
    )
]
