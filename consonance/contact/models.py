from __future__ import annotations

from django.db import models
from django.utils import timezone


class Message(models.Model):
    """A message through the contact form or to the business e-mail (P17), encrypted at rest."""

    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="contact_messages"
    )
    received_at = models.DateTimeField(default=timezone.now)
    replied_at = models.DateTimeField(null=True, blank=True, db_index=True)
    body_ciphertext = models.BinaryField()
