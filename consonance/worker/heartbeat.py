"""The worker's heartbeat: a row per machine, updated on every tick of `consonance worker` and
after each task, read by /healthz and the coach's overview (web/health.py)."""

from __future__ import annotations

import datetime as dt
import socket

from django.db.models import Max
from django.utils import timezone

from consonance.worker.models import Heartbeat


def heartbeat_beat(now: dt.datetime | None = None) -> None:
    Heartbeat.objects.update_or_create(
        host=socket.gethostname()[:100], defaults={"beat_at": now or timezone.now()}
    )


def heartbeat_last() -> dt.datetime | None:
    """When any worker last beat (None: never)."""
    return Heartbeat.objects.aggregate(last=Max("beat_at"))["last"]
