"""The outbox: every e-mail the site sends is first a row here, written in the same transaction as
the change it tells about, and sent by the worker after commit (see outbox.py and tasks.py)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consonance.lib.identifiers import Identified, identifier
from consonance.lib.text import normalise_email

# What a failed delivery means, in words the coach can act on (the code stays for support).
ERROR_LABELS = {
    "interrupted while sending": _("Avbröts medan det skickades: kan redan ha kommit fram."),
    "suppressed": _("Adressen är spärrad."),
    "SMTPRecipientsRefused": _("Mottagarens e-postserver tog inte emot adressen."),
    "SMTPSenderRefused": _("E-postservern tog inte emot avsändaradressen."),
    "SMTPAuthenticationError": _("Inloggningen till e-postservern misslyckades."),
    "SMTPDataError": _("E-postservern vägrade ta emot meddelandet."),
}
UNREACHABLE = _("E-postservern gick inte att nå.")

# The policy category of the outbox's rows: e-mail from the coach to a person (personal_data.py).
CATEGORY = "sent_email"
# The audit action written when the SMTP server accepted a message (what outlives the message).
SENT_ACTION = "mail.sent"


class OutboxMessage(Identified):
    class State(models.TextChoices):
        QUEUED = "queued", "queued"
        SENDING = "sending", "sending"
        SENT = "sent", "sent"
        FAILED = "failed", "failed"
        # The worker died between claiming and recording the outcome: it may have been
        # delivered. Never sent again without the coach's explicit confirmation.
        UNKNOWN = "unknown", "unknown"

    # Who and what: personal data, kept only until the message is sent (policy rule
    # "sent-email-after-sending", clock `sent_at`; see personal_data.py).
    # Encrypted under the recipient's key (lib/identifiers.py): the address with a blind index
    # for exact lookups, the texts (which name her) without.
    recipient = identifier("mail.outbox.recipient", normalise_email)
    recipient_index = models.CharField(max_length=64, db_index=True)
    subject = identifier("mail.outbox.subject", str, index="")
    body_text = identifier("mail.outbox.body_text", str, index="")
    body_html = identifier("mail.outbox.body_html", str, index="", blank=True)
    headers = models.JSONField(default=dict, blank=True)
    # [{"filename": ..., "mimetype": ..., "content": base64}, ...]
    attachments = models.JSONField(default=list, blank=True)
    language = models.CharField(max_length=8, default="sv")
    template = models.CharField(max_length=100)
    # Why it is sent (P20): an id of the policy's [communication] list, from the template's
    # declaration (privacy/mail_types.py) at queue time. Blank only on messages queued before
    # purposes were recorded (sent within minutes of the upgrade, then purged).
    purpose = models.CharField(max_length=40, blank=True, default="")
    person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outbox_messages",
    )
    # Only the erasure receipt bypasses the suppression list; checked again at send time.
    bypass_suppression = models.BooleanField(default=False)
    # Set at queue time so that every delivery attempt carries the same Message-ID.
    message_id = models.CharField(max_length=255)

    # Delivery state: no personal data.
    state = models.CharField(
        max_length=10, choices=State.choices, default=State.QUEUED, db_index=True
    )
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now, db_index=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="mail_outbox_due")]

    def __str__(self) -> str:  # never the address: this shows up in admin and logs
        return f"OutboxMessage #{self.pk} ({self.state})"

    @property
    def error_label(self) -> str:
        """The last error in words; connection failures of every kind read as one."""
        if not self.last_error:
            return ""
        code = self.last_error.split(" ", 1)[0]
        return str(ERROR_LABELS.get(self.last_error) or ERROR_LABELS.get(code) or UNREACHABLE)

    @property
    def error_detail(self) -> str:
        """The error's technical code, for support; none for the states the site sets itself."""
        return (
            ""
            if self.last_error in ("interrupted while sending", "suppressed")
            else self.last_error
        )


class Suppression(models.Model):
    """An address that must get no more mail (e.g. an erased person's), stored only as a keyed
    hash (HMAC-SHA256 under a key derived from the master key) of the normalised address."""

    address_hash = models.CharField(max_length=64, unique=True)
    reason = models.CharField(max_length=40)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Suppression #{self.pk} ({self.reason})"


class IngestedMessage(models.Model):
    """The ingestion ledger: one row per message read from the coach's mailbox, keyed on the
    IMAP identity (folder, UIDVALIDITY, UID) and carrying a hash of the raw content, so that a
    message is filed exactly once even when its UID changes (a recreated folder) or it turns up
    twice. No sender, no subject, no text: those went, encrypted, to the app that filed it."""

    folder = models.CharField(max_length=200)
    uidvalidity = models.BigIntegerField()
    uid = models.BigIntegerField()
    content_hash = models.CharField(max_length=64, db_index=True)
    # What became of it: the label of the app that filed it ("consultation", "reply",
    # "contact", "duplicate"), or "kept" (left where it was: the coach's other sent mail).
    # "too_large" and "unreadable": parked (moved to a folder of their own, the coach told).
    outcome = models.CharField(max_length=20)
    size = models.BigIntegerField(null=True, blank=True)  # RFC822.SIZE, for the coach's note
    at = models.DateTimeField(default=timezone.now, db_index=True)
    purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["folder", "uidvalidity", "uid"], name="mail_ingested_imap_identity"
            )
        ]

    def __str__(self) -> str:
        return f"IngestedMessage #{self.pk} ({self.outcome})"
