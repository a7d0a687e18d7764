"""Payments' background work: refunds go out through the provider after commit."""

from __future__ import annotations

from django.tasks import task

from consonance.payments import refunds


@task
def refund_execute_task(refund_id: int) -> str:
    return refunds.refund_execute(refund_id=refund_id)
