"""What the people app asks the apps above it about its clients, without importing them.

The coach's client list and client card (/staff/web/clients/, in web) are built from every app's
part: each app registers, in its `handlers.py`, what it knows about a client. The card shows one
section per app (her bookings, orders, requests, journal, newsletter...), each rendered by the
app's own template, so a new app joins the card by registering, nothing else:

    people_hooks.client_card.register(my_section)

Who counts as a client: anyone some app names through `clients_known` (bookings, orders, journal,
requests). Each handler works for many people at once (one query per app, whatever the page).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet

from consonance.lib.hooks import Hook
from consonance.people.models import Person


@dataclass(frozen=True)
class OpenItem:
    """Something open about a client (a refund to make, a request to answer), or a date that
    matters to her data (when a category is deleted), with its deadline if it has one."""

    label: str  # translated, short: "Återbetalning att göra"
    due_at: datetime | None = None
    overdue: bool = False


@dataclass(frozen=True)
class ClientsAsk:
    """The client list asks what is open for the people on the page shown."""

    person_ids: tuple[int, ...]
    now: datetime
    # The people themselves, as the list read them (with their keys): not to be read again.
    people: tuple[Person, ...] = ()


@dataclass(frozen=True)
class CardAsk:
    """The client card asks each app for its section about one person."""

    person: Person
    now: datetime


@dataclass(frozen=True)
class CardSection:
    """One app's part of the client card: rendered with `template` and `context`."""

    position: int  # sections are shown in this order (bookings 10, payments 20, ...)
    anchor: str  # the section's id on the page
    title: str  # translated
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    # Deadlines for the card's summary: requests, refunds, replies, invoices, deletion dates.
    deadlines: tuple[OpenItem, ...] = ()


#: Which people are clients? Each handler returns a filter on Person, by subquery:
#: `Q(pk__in=Booking.objects.values("person_id"))` (never a join, which would repeat people).
clients_known: Hook[None, Q | None] = Hook(
    "people.clients_known", when="the client list asks who is a client (a filter on Person)"
)

#: What is open for these people? Each handler returns {person id: [OpenItem, ...]}.
clients_open: Hook[ClientsAsk, dict[int, list[OpenItem]]] = Hook(
    "people.clients_open", when="the client list asks what is open for the people on its page"
)

#: The client card's sections. Each handler returns a CardSection, or None when it has nothing.
client_card: Hook[CardAsk, CardSection | None] = Hook(
    "people.client_card", when="the client card asks each app for its section"
)


#: A Person was made for an address (`person_get_or_create`). Apps that keep rows naming an
#: address without a link to a person (an order whose Person the retention engine deleted while
#: the order's own clock still ran) link those rows to her, so that every row holding her address
#: is reached from her (issue 19). Handlers run in the creating transaction and return how many
#: rows they linked (the creation's audit row counts them).
person_created: Hook[Person, int] = Hook(
    "people.person_created", when="a Person was made for an address; rows naming it are linked"
)


def clients_filter() -> Q:
    """A filter on Person: the people some app holds as clients (no handler: nobody)."""
    found = Q(pk__in=[])
    for known in clients_known.collect(None):
        if known is not None:
            found |= known
    return found


def clients(people: QuerySet[Person] | None = None) -> QuerySet[Person]:
    return (people if people is not None else Person.objects.all()).filter(clients_filter())


def open_items(
    person_ids: list[int], now: datetime, people: tuple[Person, ...] = ()
) -> dict[int, list[OpenItem]]:
    """What is open for each of these people (read already: `people`), the earliest deadline
    first."""
    found: dict[int, list[OpenItem]] = {pk: [] for pk in person_ids}
    if not person_ids:
        return found
    for answer in clients_open.collect(ClientsAsk(tuple(person_ids), now, people)):
        for pk, items in (answer or {}).items():
            found.setdefault(pk, []).extend(items)
    far = datetime.max.replace(tzinfo=now.tzinfo)
    for items in found.values():
        items.sort(key=lambda item: (item.due_at or far, item.label))
    return found


def card_sections(person: Person, now: datetime) -> list[CardSection]:
    sections = [found for found in client_card.collect(CardAsk(person, now)) if found]
    return sorted(sections, key=lambda section: section.position)
