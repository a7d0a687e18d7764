"""Demo part of mail: the outbox page with something to show.

- a message the recipient's server refused for good (failed, with the "send again" button), and
- a message whose worker died while sending it ("perhaps sent": resent only on confirmation), and
- a message that met a closed SMTP port twice and waits for its next attempt: a couple of minutes
  after `make run` starts, the worker's "mail-flush" sends it (to the console in development) and
  the purge removes it, as the policy says.
Both go to fictional clients from the people demo. Idempotent: nothing is added while they exist.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from consonance.mail.models import OutboxMessage
from consonance.mail.outbox import mail_queue
from consonance.people.models import Person

Q = OutboxMessage.State

DEMO = [
    # address, state, attempts, error, minutes until the next attempt
    ("johan.berg@example.se", Q.FAILED, 1, "SMTPRecipientsRefused 550", 0),
    ("maria.santos@example.com", Q.QUEUED, 2, "ConnectionRefusedError", 2),
    # The worker died while sending it: perhaps delivered; sent again only if the coach confirms.
    ("erik.holm@example.se", Q.UNKNOWN, 1, "interrupted while sending", 0),
]


def load(out) -> None:
    now = timezone.now()
    for address, state, attempts, error, minutes in DEMO:
        if OutboxMessage.objects.filter(recipient=address, template="test_hello").exists():
            continue
        person = Person.objects.filter(email=address).first()
        language = person.language if person else "sv"
        with transaction.atomic():
            message = mail_queue(
                to=address,
                template="test_hello",
                context={
                    "first_name": person.first_name if person else "",
                    "when": "2026-12-01 10:00" if language == "en" else "1 december kl. 10.00",
                },
                language=language,
                person_id=person.pk if person else None,
            )
            if message is None:  # suppressed
                continue
            # As if the worker had already tried: the task enqueued on commit finds it not due.
            OutboxMessage.objects.filter(pk=message.pk).update(
                state=state,
                attempts=attempts,
                last_error=error,
                next_attempt_at=now + timedelta(minutes=minutes),
            )
    out.write(
        "Outbox: http://127.0.0.1:8000/staff/mail/ (a failed, a perhaps-sent and a waiting message).\n"
    )
