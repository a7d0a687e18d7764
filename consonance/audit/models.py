from __future__ import annotations

from django.db import models


class Event(models.Model):
    """One entry of the append-only, hash-chained audit log.

    It records who did what to whose data and when, never the personal values themselves:
    `subject_id` is a Person's primary key, `detail` holds counts and ids as canonical JSON (text,
    not a JSON column, so that every database returns the exact bytes that were hashed).
    """

    seq = models.BigIntegerField(primary_key=True)
    at = models.DateTimeField()
    actor = models.CharField(max_length=64)
    action = models.CharField(max_length=64)
    subject_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    category = models.CharField(max_length=64, blank=True)
    detail = models.TextField(default="{}")
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"


class Verification(models.Model):
    """One run of the chain verification (daily by the worker, or `consonance audit verify`).

    The staff overview shows the latest instead of re-hashing the whole chain on every load."""

    at = models.DateTimeField(db_index=True)
    events = models.PositiveBigIntegerField()
    broken_seq = models.BigIntegerField(null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
