"""The consent ledger (P9, P21): every consent and withdrawal, with the exact text shown."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class ConsentText(models.Model):
    """One exact wording shown when asking for a consent, identified by the hash of the rendered
    text. `version` is the *material* version: a change of wording that matters bumps it, and
    everyone who consented to an older version is asked again (see texts.py)."""

    purpose = models.CharField(max_length=64)
    language = models.CharField(max_length=8)
    text_hash = models.CharField(max_length=64, unique=True)
    text = models.TextField()
    version = models.PositiveIntegerField(default=1)
    first_shown_at = models.DateTimeField(default=timezone.now)


class ConsentRecord(models.Model):
    """One consent given or withdrawn. A person's records carry her person id; a visitor's
    cookie choices carry only a random id kept in her consent cookie, nothing else."""

    class Action(models.TextChoices):
        GIVEN = "given", "given"
        WITHDRAWN = "withdrawn", "withdrawn"

    person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="consent_records",
    )
    visitor = models.CharField(max_length=32, blank=True, db_index=True)
    purpose = models.CharField(max_length=64, db_index=True)  # "newsletter", "cookies:media"
    action = models.CharField(max_length=10, choices=Action.choices)
    text = models.ForeignKey(ConsentText, null=True, blank=True, on_delete=models.PROTECT)
    version = models.PositiveIntegerField(default=0)
    method = models.CharField(max_length=32)  # "double_opt_in", "banner", "one_click", ...
    at = models.DateTimeField(default=timezone.now)
    # When this consent stopped counting (withdrawn or renewed): starts its retention clock.
    ended_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["person", "purpose", "at"], name="consent_person_purpose")]
