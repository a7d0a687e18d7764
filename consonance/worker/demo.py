"""Demo data of the worker: a heartbeat, so that the coach's overview of a fresh `make run` does
not say that background work has stopped before the worker has had its first tick."""

from __future__ import annotations

from consonance.worker.heartbeat import heartbeat_beat


def load(stdout) -> None:
    heartbeat_beat()
