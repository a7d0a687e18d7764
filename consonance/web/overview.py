"""The coach's overview of what waits for her answer, against its deadline (P16, P17), with the
holiday extension. Each app that holds something to answer gives its rows here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from consonance.contact import selectors as contact_selectors
from consonance.journal import selectors as journal_selectors
from consonance.privacy.holidays import deadline_due, holidays_ahead


@dataclass(frozen=True, slots=True)
class Waiting:
    kind: str  # shown to the coach
    who: str
    received_at: dt.datetime
    due_at: dt.datetime
    overdue: bool
    soon: bool
    url: str


def waiting(*, now: dt.datetime | None = None) -> list[Waiting]:
    """Open contact conversations (P17, 48 hours) and e-mail consultations waiting for the
    coach's reply (P16, one week), the nearest deadline first."""
    now = now or timezone.now()
    windows = holidays_ahead(now=now - dt.timedelta(days=92))
    # One reverse() for all rows: a conversation's page is "<person id>/" below the queue.
    queue = reverse("contact_staff:index")
    rows = [
        Waiting(
            kind=_("Meddelande"),
            who=f"{c.person.first_name} {c.person.last_name}".strip(),
            received_at=c.first_received,
            due_at=c.due_at,
            overdue=c.overdue,
            soon=c.soon,
            url=f"{queue}{c.person.pk}/",
        )
        for c in contact_selectors.conversations_open(now=now, windows=windows)
    ]
    for consultation in journal_selectors.consultations_open():
        since = consultation.awaiting_reply_since
        if since is None:
            continue
        due = deadline_due("email-consultation-reply", since, windows=windows)
        person = consultation.person
        rows.append(
            Waiting(
                kind=_("Mejlkonsultation"),
                who=f"{person.first_name} {person.last_name}".strip(),
                received_at=since,
                due_at=due,
                overdue=due <= now,
                soon=now < due <= now + contact_selectors.SOON,
                url=reverse("journal_staff:consultation", args=[consultation.pk]),
            )
        )
    return sorted(rows, key=lambda r: r.due_at)


# The staff home shows the most urgent rows; the queues have them all.
SHOWN = 50


def waiting_context(*, now: dt.datetime | None = None) -> dict:
    rows = waiting(now=now)
    return {"waiting": rows[:SHOWN], "waiting_total": len(rows)}
