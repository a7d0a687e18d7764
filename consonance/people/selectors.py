"""Reads of people: the one place a person is looked up by e-mail address."""

from __future__ import annotations

from consonance.lib.text import normalise_email
from consonance.people.models import Person


def person_by_email(email: str) -> Person | None:
    """The person with this address (normalised, exact, indexed), or None."""
    return Person.objects.filter(email=normalise_email(email)).first()
