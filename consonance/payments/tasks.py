"""Payments' background work: refunds go out through the provider after commit."""

from __future__ import annotations

from django.tasks import task


@task
def refund_execute_task(refund_id: int) -> str:
    from consonance.payments.services import refund_execute

    return refund_execute(refund_id=refund_id)
