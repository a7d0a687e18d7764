"""Reads of the outbox for the staff page."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Min, Q, QuerySet

from consonance.audit.selectors import audit_span
from consonance.mail.models import SENT_ACTION, IngestedMessage, OutboxMessage, Suppression
from consonance.mail.parking import PARKED_FOLDERS
from consonance.mail.suppression import address_hash


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


def outbox_unknown(limit: int = 200) -> QuerySet[OutboxMessage]:
    """Messages whose worker died while sending them: perhaps delivered, perhaps not."""
    return OutboxMessage.objects.filter(state=OutboxMessage.State.UNKNOWN).order_by("-created_at")[
        :limit
    ]


def outbox_waiting_to(emails: set[str], template: str) -> list[int]:
    """Ids of unsent messages of `template` to any of `emails` (for the erasure verifier)."""
    if not emails:
        return []
    query = Q()
    for email in emails:
        query |= Q(recipient=email)
    return list(
        OutboxMessage.objects.filter(query, template=template)
        .exclude(state=OutboxMessage.State.SENT)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def outbox_texts(template: str) -> list[str]:
    """The text bodies of every message of `template` in the outbox, sent or not (the outbox is
    kept small by the purge: a short list)."""
    found = OutboxMessage.objects.filter(template=template).only("person", "body_text")
    return [message.body_text for message in found]


def outbox_oldest_unsent() -> tuple[dt.datetime | None, int]:
    """When the oldest message still to be sent was queued, and how many wait (for /healthz):
    queued or being sent; failed and unknown ones wait for the coach on /staff/mail/."""
    found = OutboxMessage.objects.filter(
        state__in=(OutboxMessage.State.QUEUED, OutboxMessage.State.SENDING)
    ).aggregate(oldest=Min("created_at"), waiting=Count("pk"))
    return found["oldest"], found["waiting"]


def parked_recent(*, now: dt.datetime, days: int = 14) -> list[IngestedMessage]:
    """Messages the ingestion parked (too large, unreadable) lately: when, how large, why.
    The ledger holds no sender or subject; the note in the contact queue names those."""
    return list(
        IngestedMessage.objects.filter(
            outcome__in=PARKED_FOLDERS, at__gte=now - dt.timedelta(days=days)
        ).order_by("-at")
    )


def person_mail_span(person_id: int) -> tuple[dt.datetime, dt.datetime] | None:
    """When mail to this person first and last left through the SMTP server (the mail
    provider), from the audit log: the messages themselves are deleted once sent."""
    return audit_span(subject_id=person_id, action=SENT_ACTION)


def address_erased(email: str) -> bool:
    """Whether a person with this address was erased (it is on the suppression list for that)."""
    return Suppression.objects.filter(address_hash=address_hash(email), reason="erasure").exists()
