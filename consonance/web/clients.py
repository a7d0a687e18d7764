"""The coach's clients: one page of the client list, and one client's card.

Who is a client, what is open for her and each part of her card come from the apps that hold
it, through the people app's hooks (people/hooks.py); the list is ordered by her sessions
(booking). A page costs a fixed number of queries, whatever the number of clients: the clients
with their sessions in one grouped query, then one query per app for the people shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from consonance.booking import selectors as booking_selectors
from consonance.booking.models import Booking
from consonance.people import hooks as people_hooks
from consonance.people.models import Person
from consonance.people.selectors import identities_read, person_ids_matching

PER_PAGE = 50
# At most this many words of a search are used (each must match the name or the address).


@dataclass
class ClientRow:
    person: Person  # annotated: next_at, last_at, sessions
    next_session: Booking | None
    open: list[people_hooks.OpenItem] = field(default_factory=list)


@dataclass
class ClientPage:
    rows: list[ClientRow]
    page: int
    pages: int
    total: int
    query: str

    @property
    def previous(self) -> int | None:
        return self.page - 1 if self.page > 1 else None

    @property
    def next(self) -> int | None:
        return self.page + 1 if self.page < self.pages else None


def clients_page(*, now: datetime, query: str = "", page: int = 1) -> ClientPage:
    """One page of the clients (matching `query`), the next session first, then the latest."""
    people = people_hooks.clients(Person.objects.only("first_name", "last_name", "email"))
    if query:
        people = people.filter(pk__in=person_ids_matching(query, people))
    total = people.count()
    pages = max((total + PER_PAGE - 1) // PER_PAGE, 1)
    page = min(max(page, 1), pages)
    start = (page - 1) * PER_PAGE
    shown = identities_read(
        list(booking_selectors.clients_by_session(people, now)[start : start + PER_PAGE])
    )
    ids = [person.pk for person in shown]
    upcoming = booking_selectors.next_sessions(ids, now)
    open_items = people_hooks.open_items(ids, now, tuple(shown))
    rows = [ClientRow(p, upcoming.get(p.pk), open_items.get(p.pk, [])) for p in shown]
    return ClientPage(rows, page, pages, total, query)


@dataclass
class ClientCard:
    person: Person
    member: bool
    sections: list[people_hooks.CardSection]
    deadlines: list[people_hooks.OpenItem]


def client_card(person: Person, now: datetime) -> ClientCard:
    """Her card: every app's section, and all their deadlines together, the nearest first."""
    sections = people_hooks.card_sections(person, now)
    far = datetime.max.replace(tzinfo=now.tzinfo)
    deadlines = sorted(
        (item for section in sections for item in section.deadlines if item.due_at),
        key=lambda item: (item.due_at or far, item.label),
    )
    # Read with her when the card's view joined it (select_related("member")), else one query.
    member = hasattr(person, "member")
    return ClientCard(person, member, sections, deadlines)
