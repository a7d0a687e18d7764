from __future__ import annotations

from django.db import models


class PeriodicJob(models.Model):
    """When each periodic task was last put on the queue, so that restarts and several workers
    enqueue it once per period."""

    name = models.CharField(max_length=100, unique=True)
    last_enqueued_at = models.DateTimeField()
