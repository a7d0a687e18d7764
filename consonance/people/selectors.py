"""Reads of people: the one place a person is looked up by e-mail address, and the one place her
current address is read (copies on orders and refunds are records of the past, never where mail
goes)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from consonance.lib.text import normalise_email
from consonance.people.keys import keys_for, person_identities
from consonance.people.models import Person

IDENTITY = ("email", "first_name", "last_name")
SEARCH_WORDS = 5  # words of a search that must all match; more are ignored


def person_by_email(email: str) -> Person | None:
    """The person with this address (normalised, exact, indexed), or None."""
    return Person.objects.filter(email=normalise_email(email)).first()


def person_address(person_id: int | None) -> str | None:
    """Her current confirmed address: where every mail to her goes (refunds, receipts, notices),
    whatever address an order or a refund copied when it was made. None: no such person."""
    if person_id is None:
        return None
    person = Person.objects.filter(pk=person_id).only("email").first()
    return person.email if person is not None else None


def person_addresses(person_ids: Iterable[int | None]) -> dict[int, str]:
    """person_address for many at once (a staff list): {person id: current address}."""
    wanted = {pk for pk in person_ids if pk is not None}
    if not wanted:
        return {}
    people = list(Person.objects.filter(pk__in=wanted).only("email"))
    keys_for(people)
    return {person.pk: person.email for person in people}


def identities_read[T](rows: list[T]) -> list[T]:
    """`rows` (persons, or rows with identifiers of their persons: orders, mail) with the keys
    of their identifiers read in one query, so that a page of them does not read one key each."""
    keys_for(rows)
    return rows


def persons_read[T](rows: list[T]) -> list[T]:
    """`rows` (bookings, requests, consultations: rows with a `person`, read with them) with
    their persons' keys read in one query, so that showing their names (the overview, the week)
    does not read one key per person. Nothing is kept beyond the rows themselves."""
    people = {id(p): p for p in (getattr(r, "person", None) for r in rows) if p is not None}
    if people:
        keys_for(list(people.values()))
    return rows


def person_ids_matching(query: str, among: QuerySet[Person] | None = None) -> list[int]:
    """The persons (of `among`) whose first name, last name or address holds every word of
    `query`, case-folded, in name order. Names and addresses are encrypted (lib/identifiers.py),
    so they are read and compared here, in memory: one query for the rows, one for their keys."""
    words = [w.casefold() for w in query.split()[:SEARCH_WORDS]]
    found = []
    for pk, (email, first, last) in person_identities(
        among if among is not None else Person.objects.all()
    ).items():
        if all(word in f"{first} {last} {email}".casefold() for word in words):
            found.append((last.casefold(), first.casefold(), pk))
    return [pk for _last, _first, pk in sorted(found)]


def people_matching(query: str, limit: int = 100) -> list[Person]:
    """The first `limit` persons matching `query` (person_ids_matching), in name order."""
    ids = person_ids_matching(query)[:limit]
    people = {p.pk: p for p in identities_read(list(Person.objects.filter(pk__in=ids)))}
    return [people[pk] for pk in ids if pk in people]
