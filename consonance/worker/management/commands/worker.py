from __future__ import annotations

import logging
import os
import signal
import socket
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections
from django_tasks_db.management.commands.db_worker import Worker

from consonance.worker import maintenance
from consonance.worker.heartbeat import heartbeat_beat
from consonance.worker.recovery import requeue_abandoned
from consonance.worker.schedule import enqueue_due

log = logging.getLogger("consonance.worker")


class BeatingWorker(Worker):
    """django-tasks-db's worker, beating after every task too: a batch of long tasks (a backup,
    a retention run) does not look like a dead worker on /healthz."""

    def run_task(self, db_task_result) -> None:
        try:
            super().run_task(db_task_result)
        finally:
            heartbeat_beat()


class Command(BaseCommand):
    help = "Run background tasks (e-mail, retention, reminders) and the periodic schedule."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--interval",
            type=float,
            default=2.0,
            help="Seconds to sleep when the queue is empty (default 2).",
        )
        parser.add_argument(
            "--once",
            action="store_true",
            help="Enqueue what is due, run every ready task, then exit.",
        )

    def handle(self, *args, interval: float, once: bool, **options) -> None:
        try:
            maintenance.hold_shared("worker")  # no restore while the worker runs
        except maintenance.MaintenanceLocked as error:
            raise CommandError(str(error)) from None
        stopping = False

        def stop(signum, frame) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        worker_id = f"{socket.gethostname()}-{os.getpid()}"[:64]
        log.info("worker %s started", worker_id)
        while not stopping:
            close_old_connections()
            heartbeat_beat()
            requeue_abandoned()
            due = enqueue_due()
            if due:
                log.info("enqueued periodic tasks: %s", ", ".join(due))
            # Batch mode runs every ready task and returns, so the schedule is checked between.
            BeatingWorker(
                queue_names=["*"],
                interval=0,
                batch=True,
                backend_name="default",
                startup_delay=False,
                max_tasks=None,
                worker_id=worker_id,
                excluded_queue_names=[],
            ).run()
            if once:
                break
            time.sleep(interval)
        log.info("worker %s stopped", worker_id)
