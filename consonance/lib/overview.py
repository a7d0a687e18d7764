"""What waits for the coach: the items of her overview, gathered from every app.

The overview page (web) asks each app through one hook; an app registers a collector in its
`handlers.py` that returns a list of `Waiting` items (a refund to make, a request with its
deadline, a message to answer...). New apps join the overview by registering, nothing else:

    overview.waiting.register(my_waiting_items)

Items carry no client details beyond a first name: the overview may be open on a shared screen.
An item about a client names her `person_id`, so that her name leads to her client card.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from consonance.lib.hooks import Hook


@dataclass(frozen=True)
class Waiting:
    """One thing that waits for the coach."""

    group: str  # the kind, translated ("Återbetalning att göra")
    text: str  # what it is, translated, at most a first name
    url: str  # where she deals with it
    due_at: datetime | None = None  # its deadline, if any
    overdue: bool = False
    person_id: int | None = None  # the client it is about, if any
    soon: bool = False  # set by `waiting_items`: due within SOON


# "Due soon": the overview marks an item whose deadline is this close.
SOON = timedelta(hours=12)


@dataclass(frozen=True)
class OverviewQuery:
    now: datetime
    limit: int = 50  # per collector


#: The overview asks what waits; each handler returns a list of Waiting.
waiting: Hook[OverviewQuery, list[Waiting]] = Hook(
    "lib.overview_waiting", when="the coach's overview asks what waits for her"
)


def waiting_items(query: OverviewQuery) -> list[Waiting]:
    """Everything that waits, the earliest deadline first, undated ones last."""
    items = [
        replace(item, soon=query.now < item.due_at <= query.now + SOON)
        if item.due_at and not item.overdue
        else item
        for found in waiting.collect(query)
        for item in (found or [])
    ]
    far = datetime.max.replace(tzinfo=query.now.tzinfo)
    return sorted(items, key=lambda item: (item.due_at or far, item.group))
