from __future__ import annotations

from django.db import models
from django.utils import timezone


class Note(models.Model):
    """A journal note (P15): health details, encrypted with the person's key at rest."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="notes")
    created_at = models.DateTimeField(default=timezone.now)
    body_ciphertext = models.BinaryField()


class ConsultationMessage(models.Model):
    """One message of an e-mail consultation (P2, P16), encrypted with the person's key."""

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
