"""The sending engine: send one queued message (claimed once, retried with back-off, never
twice), and purge what was sent. tasks.py schedules it: one task per message, a flush every
minute, a purge every ten.

Delivery guarantees
- Never sent twice by the site: a worker claims a message with one conditional UPDATE
  (queued and due -> sending); only the worker whose UPDATE changed the row sends it. Any other
  run of the task for that message (a second worker, a flush that re-enqueued it, a task retried
  by the queue) finds it no longer queued and does nothing.
- Never lost: a failure to connect or a temporary SMTP refusal puts the message back in the queue
  with exponential backoff (1, 2, 4 … minutes, at most an hour); after MAX_ATTEMPTS attempts it is
  marked failed and shown to the coach on /staff/mail/, who can retry it. "mail-flush" re-enqueues
  every due message each minute, so a message whose task was lost (worker restart, SMTP down,
  enqueue failed) is sent when it can be.
- A message left in "sending" for STUCK_AFTER (the worker died between claiming and recording the
  outcome) may or may not have reached the SMTP server. We choose AT-MOST-ONCE: it is marked
  "unknown" (not "failed": it may well have been delivered), never re-sent automatically, and
  the coach decides on /staff/mail/, confirming explicitly that it may arrive twice, whether to
  send it again (same Message-ID, so a duplicate is recognisable).
- A message that bypasses the suppression list (the erasure receipt, to an address that is
  otherwise never written to again) is deleted the moment it is sent, not at the next purge. A client getting a
  booking confirmation twice is harmless but a refund notice twice is confusing; a failed message
  on the staff page is visible and can be acted on, a duplicate cannot be taken back.
"""

from __future__ import annotations

import base64
import logging
import smtplib
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from consonance.audit.services import SYSTEM, audit_append
from consonance.mail.dkim import SignedEmail
from consonance.mail.models import CATEGORY, SENT_ACTION, OutboxMessage
from consonance.mail.sender import SITE_MARK, site_mark
from consonance.mail.suppression import mail_is_suppressed
from consonance.privacy.policy import get_policy

log = logging.getLogger("consonance.mail")

MAX_ATTEMPTS = 12
BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=1)
STUCK_AFTER = timedelta(minutes=15)
FAILED_KEEP = timedelta(days=30)

Q = OutboxMessage.State


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt: 1, 2, 4 … minutes, at most an hour."""
    return min(BACKOFF_FIRST * 2 ** max(attempts - 1, 0), BACKOFF_MAX)


def _error_code(error: BaseException) -> tuple[str, bool]:
    """A description without personal data (class name and SMTP code, never the server's text,
    which may quote the address) and whether the refusal is permanent."""
    name = type(error).__name__
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _ in error.recipients.values()})
        return f"{name} {','.join(map(str, codes))}"[:200], bool(codes) and min(codes) >= 500
    if isinstance(error, smtplib.SMTPResponseException):
        # A 5xx for the message itself (content, size) will not change by retrying; a 5xx to
        # MAIL FROM or AUTH is a configuration problem the coach can fix, so that one retries.
        permanent = isinstance(error, smtplib.SMTPDataError) and error.smtp_code >= 500
        return f"{name} {error.smtp_code}", permanent
    return name, False


def _email(message: OutboxMessage) -> SignedEmail:
    """Text plus its HTML alternative (multipart/alternative, inside multipart/mixed with any
    attachment), DKIM-signed when a key is configured."""
    headers = {
        **message.headers,
        "Message-ID": message.message_id,
        "Content-Language": message.language,
        SITE_MARK: site_mark(message.message_id),  # her own notices are never ingested
    }
    email = SignedEmail(
        subject=message.subject, body=message.body_text, to=[message.recipient], headers=headers
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    for attachment in message.attachments:
        email.attach(
            attachment["filename"], base64.b64decode(attachment["content"]), attachment["mimetype"]
        )
    return email


def mail_send(message_id: int) -> str:
    """Send one message if it is queued and due; returns what happened (for tests and logs):
    "sent", "retry", "failed", or "skipped" (not queued, not due, or gone)."""
    now = timezone.now()
    claimed = OutboxMessage.objects.filter(
        pk=message_id, state=Q.QUEUED, next_attempt_at__lte=now
    ).update(state=Q.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    if not claimed:
        return "skipped"
    message = OutboxMessage.objects.filter(pk=message_id).first()
    if message is None:  # erased between the claim and now
        return "skipped"
    if not message.bypass_suppression and mail_is_suppressed(message.recipient):
        # Suppressed after it was queued (e.g. the person was erased): never send it.
        OutboxMessage.objects.filter(pk=message_id).update(
            state=Q.FAILED, last_error="suppressed", claimed_at=None
        )
        log.info("mail %s not sent: address suppressed since it was queued", message_id)
        return "failed"
    try:
        _email(message).send(using="default")
    except Exception as error:  # any failure is recorded by class and code, never verbatim
        return _record_failure(message, error)
    # Durable: only the worker's task calls this, never inside another transaction.
    with transaction.atomic(durable=True):
        if message.bypass_suppression:
            # The erasure receipt: the last trace of an erased address goes as soon as it is sent.
            OutboxMessage.objects.filter(pk=message_id, state=Q.SENDING).delete()
        else:
            OutboxMessage.objects.filter(pk=message_id, state=Q.SENDING).update(
                state=Q.SENT, sent_at=timezone.now(), last_error="", claimed_at=None
            )
        # The message itself is deleted once sent (policy rule "sent-email-after-sending"); this
        # event is what remains to tell her that the mail provider carried mail to her, and when
        # (her recipients, rights.recipients).
        audit_append(
            actor=SYSTEM,
            action=SENT_ACTION,
            subject_id=message.person_id,
            category=CATEGORY,
            detail={"message": message_id, "template": message.template},
        )
    log.info("mail %s sent (%s, attempt %s)", message_id, message.template, message.attempts)
    return "sent"


def _record_failure(message: OutboxMessage, error: Exception) -> str:
    description, permanent = _error_code(error)
    if permanent or message.attempts >= MAX_ATTEMPTS:
        OutboxMessage.objects.filter(pk=message.pk, state=Q.SENDING).update(
            state=Q.FAILED, last_error=description, claimed_at=None
        )
        log.warning(
            "mail %s failed after %s attempts: %s", message.pk, message.attempts, description
        )
        return "failed"
    next_at = timezone.now() + backoff(message.attempts)
    OutboxMessage.objects.filter(pk=message.pk, state=Q.SENDING).update(
        state=Q.QUEUED, last_error=description, claimed_at=None, next_attempt_at=next_at
    )
    log.info(
        "mail %s attempt %s failed (%s); next attempt at %s",
        message.pk,
        message.attempts,
        description,
        next_at.isoformat(timespec="seconds"),
    )
    return "retry"


def mail_purge(now=None) -> dict[str, int]:
    """Delete sent messages as the policy's "sent" rule for sent e-mail says (0 hours after
    sending in the default policy), and failed ones after FAILED_KEEP."""
    now = now or timezone.now()
    sent = 0
    with transaction.atomic(durable=True):
        for rule in get_policy().rules_for(CATEGORY):
            if rule.after == "sent" and rule.action == "delete":
                sent += OutboxMessage.objects.filter(
                    state=Q.SENT, sent_at__lte=rule.cutoff(now)
                ).delete()[0]
        failed = OutboxMessage.objects.filter(
            state__in=(Q.FAILED, Q.UNKNOWN), created_at__lt=now - FAILED_KEEP
        ).delete()[0]
        if sent or failed:
            audit_append(
                actor=SYSTEM,
                action="mail.purged",
                category=CATEGORY,
                detail={"sent": sent, "failed": failed},
            )
    return {"sent": sent, "failed": failed}
