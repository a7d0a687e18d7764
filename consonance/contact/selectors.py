"""Reads of the contact app: the open conversations against their deadline (P17)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Max, Min
from django.utils import timezone

from consonance.contact.models import Message
from consonance.lib.overview import SOON
from consonance.people.keys import KeyDestroyed, person_decrypt
from consonance.people.models import Person
from consonance.people.selectors import identities_read
from consonance.privacy.holidays import Window, deadlines_due, holidays_ahead
from consonance.privacy.registry import context_of

DEADLINE = "message-handling"


@dataclass(frozen=True, slots=True)
class Conversation:
    person: Person
    count: int
    first_received: dt.datetime
    last_message_id: int
    due_at: dt.datetime
    overdue: bool
    soon: bool


def _open():
    return Message.objects.filter(replied_at__isnull=True)


def conversations_open(
    *,
    now: dt.datetime | None = None,
    windows: list[Window] | None = None,
    person_ids: tuple[int, ...] | None = None,
    known: tuple[Person, ...] = (),
) -> list[Conversation]:
    """One row per person with open messages (of these people, if given), the deadline running
    from her oldest one, extended by holidays; the most urgent first. Four queries at most,
    whatever the number (the people in `known` are not read again)."""
    now = now or timezone.now()
    rows = _open() if person_ids is None else _open().filter(person_id__in=person_ids)
    groups = list(
        rows.values("person_id")
        .annotate(count=Count("pk"), first=Min("received_at"), last=Max("pk"))
        .order_by()
    )
    if not groups:
        return []
    if windows is None:
        windows = holidays_ahead(now=now - dt.timedelta(days=92))
    # `known`: people the caller has read already (the client card's, with her key).
    people: dict[int, Person] = {p.pk: p for p in known}
    missing = [g["person_id"] for g in groups if g["person_id"] not in people]
    if missing:
        read = Person.objects.only("first_name", "last_name", "email").in_bulk(missing)
        identities_read(list(read.values()))  # their names are shown: their keys in one query
        people.update(read)
    dues = deadlines_due(DEADLINE, [g["first"] for g in groups], windows=windows)
    conversations = [
        Conversation(
            person=people[g["person_id"]],
            count=g["count"],
            first_received=g["first"],
            last_message_id=g["last"],
            due_at=due,
            overdue=due <= now,
            soon=now < due <= now + SOON,
        )
        for g, due in zip(groups, dues, strict=True)
    ]
    return sorted(conversations, key=lambda c: (c.due_at, c.person.pk))


@dataclass(frozen=True, slots=True)
class ReadableMessage:
    message: Message
    name: str
    body: str
    readable: bool


def conversation_messages(person: Person) -> list[ReadableMessage]:
    """A person's open messages, decrypted for the coach (oldest first)."""
    result = []
    for message in _open().filter(person=person).order_by("received_at", "pk"):
        try:
            body = person_decrypt(
                person,
                bytes(message.body_ciphertext),
                context=context_of(Message, "body_ciphertext"),
            )
            name = (
                person_decrypt(
                    person,
                    bytes(message.name_ciphertext),
                    context=context_of(Message, "name_ciphertext"),
                )
                if message.name_ciphertext
                else ""
            )
            result.append(ReadableMessage(message, name, body, True))
        except KeyDestroyed:
            result.append(ReadableMessage(message, "", "", False))
    return result
