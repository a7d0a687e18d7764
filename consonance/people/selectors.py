"""Reads of people: the one place a person is looked up by e-mail address, and the one place her
current address is read (copies on orders and refunds are records of the past, never where mail
goes)."""

from __future__ import annotations

from collections.abc import Iterable

from consonance.lib.text import normalise_email
from consonance.people.models import Person


def person_by_email(email: str) -> Person | None:
    """The person with this address (normalised, exact, indexed), or None."""
    return Person.objects.filter(email=normalise_email(email)).first()


def person_address(person_id: int | None) -> str | None:
    """Her current confirmed address: where every mail to her goes (refunds, receipts, notices),
    whatever address an order or a refund copied when it was made. None: no such person."""
    if person_id is None:
        return None
    return Person.objects.filter(pk=person_id).values_list("email", flat=True).first()


def person_addresses(person_ids: Iterable[int | None]) -> dict[int, str]:
    """person_address for many at once (a staff list): {person id: current address}."""
    wanted = {pk for pk in person_ids if pk is not None}
    if not wanted:
        return {}
    return dict(Person.objects.filter(pk__in=wanted).values_list("pk", "email"))
