"""Recording each recipient's outcome (her Delivery row goes from pending to sent, skipped or
failed), committed in windows.

The rule that keeps a campaign exactly-once: before a message's content is handed to the SMTP
server, every recipient whose copy the server has already accepted is committed as sent, except
at most `window - 1` of them. So at any moment at most `window` recipients (those, and the one
whose content is on its way) may have their copy without their mark. A sender killed then
leaves them pending and the next sender sends them the issue again: they get it twice, nobody
gets it never. No SMTP client can make that window empty: it cannot know whether a message the
server had not yet answered was accepted. With the default window of 1 it is the one message on
the wire: a sender killed after the server accepted it and before its mark was committed sends
that one copy again on resume; a kill anywhere else, none. A window of 2 would let the commit
of one mark overlap the next message on the wire entirely, at the price of up to two repeats;
measured on loopback it did not pay (README, Benchmarks), so it stays 1. Recipients skipped or refused never got a copy, so
their marks may wait for the next commit without harming anyone: a resumed sender checks them
again.

Marks are plain UPDATEs of the pending rows, one statement per outcome in the window, each
committed at once (autocommit), by a second thread while the next message is on the wire. On
PostgreSQL they commit without waiting for the disk (see `fast_commits`).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection
from django.utils import timezone

from consonance.newsletter.models import Delivery

WINDOW = 1  # recipients who may have their copy before their mark is committed (see above)
_TABLE = Delivery._meta.db_table


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


def deliveries_mark(ids: list[int], state: str) -> None:
    """These recipients' outcome, committed at once (plain SQL: this runs for every subscriber)."""
    sent_at = timezone.now() if state == Delivery.State.SENT else None
    places = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_TABLE} SET state = %s, sent_at = %s "  # noqa: S608 - our table, our ids
            f"WHERE id IN ({places}) AND state = %s",
            [state, sent_at, *ids, Delivery.State.PENDING],
        )


class Marks:
    """Outcomes waiting for their commit. `mark` records one; `before_content` waits until
    handing over one more message leaves at most `window` copies without a committed mark;
    a mark of a sent copy goes at once to a second thread (its own database connection), which
    commits it while the sender reads the server's answers and builds the next copy (the others
    follow with it, or `after_content`); `flush` commits everything and waits for it.

    The thread is there because a commit's cost is mostly waiting (for the disk, or PostgreSQL):
    made by the sender itself it would add to every message. Inside a transaction (the test
    suite's), a second connection could not see the rows, so marks are then committed in the
    caller's thread, at the same points."""

    def __init__(self, window: int | None = None) -> None:
        self.window = max(1, WINDOW if window is None else window)
        self._waiting: dict[str, list[int]] = {}
        self._sent = 0  # recorded as sent, not yet handed to the thread
        self._threaded = not connection.in_atomic_block
        self._queue: queue.Queue[dict[str, list[int]] | None] = queue.Queue()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="newsletter-marks", daemon=True)
        if self._threaded:
            self._thread.start()

    def _run(self) -> None:
        try:
            with fast_commits():
                while (batch := self._queue.get()) is not None:
                    try:
                        _commit(batch)
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
        self._waiting.setdefault(state, []).append(delivery_id)
        if state == Delivery.State.SENT:
            self._sent += 1
            if self._threaded:  # its commit starts now, while the sender goes on
                self._hand_over()

    def _hand_over(self) -> None:
        waiting, self._waiting, self._sent = self._waiting, {}, 0
        if not waiting:
            return
        if self._threaded:
            self._check()
            self._queue.put(waiting)
        else:
            _commit(waiting)

    def _wait(self) -> None:
        if self._threaded:
            self._queue.join()
            self._check()

    def before_content(self) -> None:
        self._wait()  # what was handed over before is committed
        if self._sent + 1 > self.window:
            self._hand_over()
            self._wait()

    def after_content(self) -> None:
        self._hand_over()

    def flush(self) -> None:
        self._hand_over()
        self._wait()

    def close(self) -> None:
        """Commit everything and stop the thread (call it once, at the end)."""
        try:
            self.flush()
        finally:
            if self._threaded and self._thread.is_alive():
                self._queue.put(None)
                self._thread.join()
        self._check()


def _commit(outcomes: dict[str, list[int]]) -> None:
    for state, ids in outcomes.items():
        deliveries_mark(ids, state)
