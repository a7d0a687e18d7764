"""Reads of the outbox for the staff page."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from consonance.mail.models import OutboxMessage


def outbox_counts() -> dict[str, int]:
    """How many messages are in each state (every state present, zero when none)."""
    counts = dict.fromkeys(OutboxMessage.State.values, 0)
    for row in OutboxMessage.objects.values("state").annotate(n=Count("pk")).order_by():
        counts[row["state"]] = row["n"]
    return counts


def outbox_failed(limit: int = 200) -> QuerySet[OutboxMessage]:
    return OutboxMessage.objects.filter(state=OutboxMessage.State.FAILED).order_by("-created_at")[
        :limit
    ]


def outbox_waiting(limit: int = 200) -> QuerySet[OutboxMessage]:
    """Messages not sent yet that have failed at least once (SMTP trouble shows here first)."""
    return OutboxMessage.objects.filter(state=OutboxMessage.State.QUEUED, attempts__gt=0).order_by(
        "next_attempt_at"
    )[:limit]
