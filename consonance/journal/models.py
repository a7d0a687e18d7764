"""The journal (P15, P16): notes per client and per consultation, e-mail consultations, and the
access log of every read and change.

Every text is encrypted with the client's own data key (`people.keys`), so erasing her key makes
all of it unreadable, in the database and in every backup. A note is versioned: a signed note is
locked, and a correction is a new row (`version` + 1, same `root`) while the old one stays,
`superseded_at` set, shown struck through.
"""

from __future__ import annotations

import secrets

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def _nonce() -> str:
    return secrets.token_urlsafe(12)


class Consultation(models.Model):
    """An e-mail consultation: what the client bought (so many exchanges within so many days),
    opened when its booking is confirmed and completed by itself when either runs out."""

    class State(models.TextChoices):
        OPEN = "open", _("Pågår")
        COMPLETED = "completed", _("Avslutad")
        CANCELLED = "cancelled", _("Avbokad")

    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="email_consultations"
    )
    booking = models.OneToOneField(
        "booking.Booking",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="email_consultation",
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    opened_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField()
    exchanges = models.PositiveSmallIntegerField(default=3)
    completed_at = models.DateTimeField(null=True, blank=True)
    # When the client's latest unanswered message came in: the reply deadline runs from it.
    awaiting_reply_since = models.DateTimeField(null=True, blank=True, db_index=True)
    # Part of the client's signed link to her consultation page: a new nonce voids old links.
    nonce = models.CharField(max_length=24, default=_nonce)

    class Meta:
        ordering = ["-opened_at", "pk"]

    def __str__(self) -> str:
        return f"Consultation #{self.pk} ({self.state})"


class ConsultationTerms(models.Model):
    """What an e-mail service gives: `exchanges` replies from the coach within `days` days."""

    service = models.OneToOneField(
        "booking.Service", on_delete=models.CASCADE, related_name="email_terms"
    )
    exchanges = models.PositiveSmallIntegerField(_("antal svar"), default=3)
    days = models.PositiveSmallIntegerField(_("inom antal dagar"), default=28)


class Note(models.Model):
    """One version of a journal note, or one message of an e-mail consultation (P15, P16).

    Health details live only in `body_ciphertext` (the client's key, context "note")."""

    class Kind(models.TextChoices):
        NOTE = "note", _("Anteckning")
        MESSAGE_IN = "message_in", _("Meddelande från klienten")
        MESSAGE_OUT = "message_out", _("Mitt svar")

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="notes")
    created_at = models.DateTimeField(default=timezone.now)
    body_ciphertext = models.BinaryField()
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.NOTE)
    consultation = models.ForeignKey(
        Consultation, null=True, blank=True, on_delete=models.SET_NULL, related_name="notes"
    )
    booking = models.ForeignKey(
        "booking.Booking",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="journal_notes",
    )
    author = models.CharField(max_length=64, default="")
    # Versions: the first version is its own root; corrections point to it.
    root = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="versions"
    )
    version = models.PositiveSmallIntegerField(default=1)
    superseded_at = models.DateTimeField(null=True, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.CharField(max_length=64, blank=True)
    # For messages: how it came (web, email, staff) and its Message-ID (to recognise the
    # coach's own reply when it turns up in Sent); attachments ride in the ciphertext.
    source = models.CharField(max_length=8, blank=True)
    message_id = models.CharField(max_length=255, blank=True, db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["person", "created_at"], name="journal_note_person")]

    def __str__(self) -> str:  # never the text
        return f"Note #{self.pk} v{self.version}"

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


class AccessEvent(models.Model):
    """The journal's access log (P15): who read, wrote, exported or deleted what, when, about
    which client and from where. Ids only, never text; the coach sees it on the client card."""

    class Action(models.TextChoices):
        READ = "read", _("läste")
        WRITE = "write", _("skrev")
        CORRECT = "correct", _("rättade")
        SIGN = "sign", _("signerade")
        EXPORT = "export", _("exporterade")
        DELETE = "delete", _("raderade")
        FILE = "file", _("arkiverade")

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.CharField(max_length=64)
    action = models.CharField(max_length=8, choices=Action.choices)
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="journal_access"
    )
    note = models.ForeignKey(
        Note, null=True, blank=True, on_delete=models.SET_NULL, related_name="access"
    )
    what = models.CharField(max_length=40, blank=True)  # e.g. "client card", "consultation 4"
    # From where: the requester's address (the coach's or the client's own), or "worker".
    origin = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["person", "at"], name="journal_access_person")]

    def __str__(self) -> str:
        return f"AccessEvent #{self.pk} {self.action}"

    @property
    def what_display(self) -> str:
        """The coded `what` ("card", "consultation:4", "export:12") in words."""
        code, _sep, value = self.what.partition(":")
        labels = {
            "card": _("klientkortet"),
            "note": _("anteckningen"),
            "consultation": _("mejlkonsultation #%(n)s"),
            "view": _("i Mina uppgifter, %(n)s st."),
            "export": _("i hennes export, %(n)s st."),
            "request": _("på hennes begäran"),
        }
        label = labels.get(code)
        if label is None:
            return self.what
        return str(label) % {"n": value} if "%(n)s" in str(label) else str(label)

    @property
    def origin_display(self) -> str:
        labels = {"site": _("webbplatsen"), "imap": _("e-postinkorgen"), "": "–"}
        return str(labels.get(self.origin, self.origin))


class ConsultationMessage(models.Model):
    """A message of an e-mail consultation not (yet) in the journal (P2, P16), encrypted with the
    person's key. Ingestion files messages straight into the journal as `Note` rows
    (kind message_in/message_out) in the same transaction, so this holding stays empty; the
    policy's rule "email-consultation-moved" deletes any row once `moved_to_journal_at` is set."""

    class Direction(models.TextChoices):
        IN = "in", "in"
        OUT = "out", "out"

    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="consultation_messages"
    )
    direction = models.CharField(max_length=3, choices=Direction.choices)
    received_at = models.DateTimeField(default=timezone.now)
    moved_to_journal_at = models.DateTimeField(null=True, blank=True, db_index=True)
    body_ciphertext = models.BinaryField()


class NoteAttachment(models.Model):
    """A file that came with a consultation message, encrypted with the client's key (context
    "note", as JSON): name, type and content in one ciphertext, so nothing about it is readable."""

    note = models.ForeignKey(Note, on_delete=models.CASCADE, related_name="attachments")
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="note_attachments"
    )
    size = models.PositiveIntegerField()
    content_ciphertext = models.BinaryField()
