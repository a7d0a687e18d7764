from __future__ import annotations

from django.db import models


class PeriodicJob(models.Model):
    """When each periodic task was last put on the queue, so that restarts and several workers
    enqueue it once per period."""

    name = models.CharField(max_length=100, unique=True)
    last_enqueued_at = models.DateTimeField()


class Heartbeat(models.Model):
    """When a worker last showed it was alive (one row per machine; no personal data). /healthz
    and the coach's overview read the newest; `consonance worker` writes it every tick."""

    host = models.CharField(max_length=100, unique=True)
    beat_at = models.DateTimeField()
