from __future__ import annotations

from django.db import models
from django.utils import timezone


class Message(models.Model):
    """A message through the contact form or to the business e-mail (P17), encrypted at rest.

    A person's open messages make up her conversation with the coach. After the coach's reply the
    conversation is deleted (P17); what must be kept is moved to the journal first.
    """

    class Source(models.TextChoices):
        FORM = "form", "form"
        EMAIL = "email", "email"

    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="contact_messages"
    )
    received_at = models.DateTimeField(default=timezone.now)
    replied_at = models.DateTimeField(null=True, blank=True, db_index=True)
    body_ciphertext = models.BinaryField()
    # The name as the writer gave it (a known address keeps the name it is registered under).
    name_ciphertext = models.BinaryField(null=True, blank=True)
    source = models.CharField(max_length=5, choices=Source.choices, default=Source.FORM)
    language = models.CharField(max_length=2, default="sv")
    moved_to_journal_at = models.DateTimeField(null=True, blank=True)
    # An e-mail whose From address nothing proves (no DKIM signature of its domain, no reply
    # token): the coach sees "avsändaren kunde inte bekräftas" (issue 21).
    sender_unverified = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["replied_at", "received_at"], name="contact_message_open"),
        ]


class Attempt(models.Model):
    """One submission of the contact form, for the rate limits: keyed hashes of the sender's IP
    address and e-mail address (HMAC under a key derived from the master key), never the values.
    Deleted after a day by the periodic job "contact-purge"."""

    ip_hash = models.CharField(max_length=64, db_index=True)
    address_hash = models.CharField(max_length=64, db_index=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)


class SpentChallenge(models.Model):
    """A proof-of-work challenge or a form token already used once (protection.py): each is good
    for one message. Form tokens are stored as "form:" and their one-time number."""

    signature = models.CharField(max_length=128, unique=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)
