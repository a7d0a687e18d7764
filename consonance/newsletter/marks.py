"""Recording each recipient's outcome (her Delivery row goes from pending to sent, skipped or
failed), committed in windows.

The rule that keeps a campaign exactly-once: a recipient is marked sent only once the SMTP
server has accepted her message (250 after its content), and before a message's content is
handed to the server, every accepted recipient's mark is committed unless fewer than `window`
messages have gone out since the last commit. So at any moment at most `window` messages have
been handed over without their recipients' marks committed: the ones whose content went out
since the last commit (the last of them possibly not yet answered). A sender killed then leaves
those recipients pending, and the next sender sends each of them the issue again if the server
had accepted it: a kill repeats at most `window` recipients, those of the current window, and
never misses anyone. No SMTP client can make that window empty: it cannot know whether a
message the server had not yet answered was accepted.

The window is CONSONANCE_NEWSLETTER_WINDOW, 1 by default: a kill repeats at most the one
message on the wire (the one the server accepted just before the kill, if it did), the promise
the campaign has always kept, but each message waits for a commit: on a loaded machine about
1 ms on PostgreSQL, a third to half of what the SMTP server takes per message (README,
Benchmarks). A practice that would rather send faster can set, say, 16: the commit is then
shared by 16 messages, and a kill repeats at most 16 recipients, the ones whose messages went
out since the last commit. Without PIPELINING (one message at a time) every mark is committed before the
next message's content: a window of 1.

Recipients skipped or refused never got a copy, so their marks may wait for the next commit
without harming anyone: a resumed sender checks them again.

Marks are plain UPDATEs of the pending rows, one statement per outcome in the window,
committed at once (autocommit) on the sender's own connection. On PostgreSQL they commit without
waiting for the disk (see `fast_commits`). An earlier version committed them in a second thread;
under load, handing each mark to that thread and waiting for it cost more than the commit itself
(the sender has to wait for the commit before the next content in any case).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connection
from django.utils import timezone

from consonance.newsletter.models import Delivery

_TABLE = Delivery._meta.db_table


def window_default() -> int:
    """Messages that may be handed over without their recipients' marks committed (see above):
    at most this many recipients get the issue twice after a kill (CONSONANCE_NEWSLETTER_WINDOW,
    at least 1)."""
    return max(1, getattr(settings, "CONSONANCE_NEWSLETTER_WINDOW", 1))


@contextmanager
def fast_commits() -> Iterator[None]:
    """On PostgreSQL, marks commit without waiting for the disk (synchronous_commit off, for
    this connection only, and only outside a transaction): a mark is visible and survives the
    sender being killed; only a crash of the database server itself could lose the last fraction
    of a second of marks, and those recipients would get the issue again rather than not at all.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
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
    """Outcomes waiting for their commit. `mark` records one; `before_content` runs before a
    message's content is handed over and commits what is recorded when that content would make
    more than `window` messages out without a committed mark; `flush` commits everything.

    Commits happen in the caller's thread, on its connection (inside a transaction, the test
    suite's, they are plain statements in it, at the same points)."""

    def __init__(self, window: int | None = None) -> None:
        self.window = max(1, window_default() if window is None else window)
        self._waiting: dict[str, list[int]] = {}
        self._out = 0  # contents handed over since the last commit

    def mark(self, delivery_id: int, state: str) -> None:
        self._waiting.setdefault(state, []).append(delivery_id)

    def before_content(self) -> None:
        if self._out + 1 > self.window:
            self.flush()
        self._out += 1

    def flush(self) -> None:
        """Commit every recorded outcome. Every content handed over so far has been answered by
        then (the pipeline reads the last answer before its caller flushes), or its recipient is
        still pending and counts against the next window."""
        waiting, self._waiting = self._waiting, {}
        for state, ids in waiting.items():
            deliveries_mark(ids, state)
        self._out = 0
