"""Recording each recipient's outcome (the Delivery row) while the next message is on its way.

Each mark is its own commit, made right after the SMTP server accepted that message. A commit
costs about as much as sending a message, so a second thread with its own database connection
makes it while the sender builds the next message and sends its envelope (MAIL, RCPT); the sender
waits for it (`flush`) before handing that next message over (DATA), and before reading the next
batch. So at any moment at most one recipient has her copy but not yet her mark: a sender killed
exactly then leaves her pending, and she gets the issue again on resume (never skipped).

Inside a transaction (the test suite's), a second connection could not see the rows, so marks
are then made in the caller's thread, synchronously.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection
from django.utils import timezone

from consonance.newsletter.models import Delivery

IN_FLIGHT = 2
_MARK_SQL = (
    f"UPDATE {Delivery._meta.db_table} SET state = %s, sent_at = %s "  # noqa: S608 - our table
    "WHERE id = %s AND state = %s"
)


def delivery_mark(delivery_id: int, state: str) -> None:
    """One recipient's outcome, committed at once (plain SQL: this runs once per subscriber)."""
    sent_at = timezone.now() if state == Delivery.State.SENT else None
    with connection.cursor() as cursor:
        cursor.execute(_MARK_SQL, [state, sent_at, delivery_id, Delivery.State.PENDING])


@contextmanager
def fast_commits() -> Iterator[None]:
    """On PostgreSQL, marks commit without waiting for the disk (synchronous_commit off, for
    this connection only): a mark is visible and survives the sender being killed; only a crash
    of the database server itself could lose the last fraction of a second of marks, and those
    recipients would get the issue again rather than not at all."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


class Marks:
    def __init__(self) -> None:
        self._threaded = not connection.in_atomic_block
        self._queue: queue.Queue[tuple[int, str] | None] = queue.Queue(maxsize=IN_FLIGHT)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="newsletter-marks", daemon=True)
        if self._threaded:
            self._thread.start()

    def _run(self) -> None:
        try:
            with fast_commits():
                while (item := self._queue.get()) is not None:
                    try:
                        delivery_mark(*item)
                    finally:
                        self._queue.task_done()
                self._queue.task_done()
        except BaseException as error:  # handed to the sender, which stops
            self._error = error
        finally:
            connection.close()  # this thread's own connection

    def _check(self) -> None:
        if self._error is not None:
            raise self._error

    def mark(self, delivery_id: int, state: str) -> None:
        if not self._threaded:
            delivery_mark(delivery_id, state)
            return
        self._check()
        self._queue.put((delivery_id, state))

    def flush(self) -> None:
        if self._threaded:
            self._queue.join()
            self._check()

    def close(self) -> None:
        if self._threaded and self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
        self._check()
