"""Writes of the contact app: a message arrives, the coach replies, moves, or deletes (P17).

Each function is one transaction with its audit row (ids and counts, never text or addresses).
A conversation is a person's open messages. Replying or marking it handled deletes the messages
it covered at once — the policy's rule `messages-after-reply` (0 hours after the reply) — so
nothing of the conversation outlives the reply except what the coach moved to the journal.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from consonance.audit.services import audit_append
from consonance.contact import emails
from consonance.contact.models import Message
from consonance.journal.services import note_create
from consonance.lib.text import split_full_name
from consonance.people.keys import person_encrypt
from consonance.people.models import Person
from consonance.people.services import person_get_or_create
from consonance.privacy.registry import context_of


class ReplyNotSent(Exception):
    """The address gets no mail (suppressed, e.g. after an erasure): nothing sent, nothing
    deleted, so that the coach can answer another way first."""


MAX_BODY = 5000
MAX_REPLY = 20000


def message_receive(
    *,
    email: str,
    name: str,
    body: str,
    language: str,
    actor: str,
    source: str = Message.Source.FORM,
    received_at: dt.datetime | None = None,
) -> Message:
    """File a message from the contact form (or, for ingestion, from an unknown sender's e-mail).

    A new address becomes a person with the given name; a known one keeps its registered name
    (the name as given is kept, encrypted, with the message). Nothing in the outcome tells the
    writer whether the address was known.
    """
    first, last = split_full_name(name)
    with transaction.atomic():
        # Unproven: the sender may not own the address, so her clock waits for the reply.
        person, _created = person_get_or_create(
            email=email,
            first_name=first,
            last_name=last,
            language=language,
            actor=actor,
            proven=False,
        )
        message = Message.objects.create(
            person=person,
            body_ciphertext=person_encrypt(
                person, body, context=context_of(Message, "body_ciphertext")
            ),
            name_ciphertext=person_encrypt(
                person, name.strip(), context=context_of(Message, "name_ciphertext")
            ),
            source=source,
            language=language,
            received_at=received_at or timezone.now(),
        )
        audit_append(
            actor=actor,
            action="contact.received",
            subject_id=person.pk,
            category="messages",
            detail={"message": message.pk, "source": source},
        )
        emails.staff_new_message(message)
    return message


def _covered(person: Person, upto: int):
    """The open messages a reply written on a page showing messages up to id `upto` answers:
    one that arrived while the coach was writing stays open."""
    return Message.objects.filter(person=person, replied_at__isnull=True, pk__lte=upto)


def conversation_reply(*, person: Person, text: str, upto: int, actor: str) -> int:
    """Send the coach's reply by e-mail (through the outbox) and delete the conversation.

    Returns how many messages the reply covered and deleted (0: nothing was open, nothing sent).
    """
    with transaction.atomic():
        covered = list(_covered(person, upto).select_for_update().order_by("pk"))
        if not covered:
            return 0
        language = covered[-1].language
        if not emails.reply(person=person, text=text, language=language):
            raise ReplyNotSent(person.pk)
        now = timezone.now()
        Message.objects.filter(pk__in=[m.pk for m in covered]).update(replied_at=now)
        deleted, _ = Message.objects.filter(pk__in=[m.pk for m in covered]).delete()
        Person.objects.filter(pk=person.pk).update(last_contact_at=now)
        audit_append(
            actor=actor,
            action="contact.replied",
            subject_id=person.pk,
            category="messages",
            detail={"deleted": deleted},
        )
    return deleted


def conversation_delete(*, person: Person, upto: int, actor: str) -> int:
    """Handled without a reply (or answered another way): delete the conversation."""
    with transaction.atomic():
        deleted, _ = _covered(person, upto).delete()
        if deleted:
            audit_append(
                actor=actor,
                action="contact.deleted",
                subject_id=person.pk,
                category="messages",
                detail={"deleted": deleted},
            )
    return deleted


def message_to_journal(*, message: Message, text: str, actor: str) -> int:
    """Keep what must be kept: a journal note with `text` (the message, edited down by the
    coach). The message itself stays until the conversation is replied to or deleted."""
    with transaction.atomic():
        note = note_create(person=message.person, body=text, actor=actor)
        Message.objects.filter(pk=message.pk).update(moved_to_journal_at=timezone.now())
        audit_append(
            actor=actor,
            action="contact.moved_to_journal",
            subject_id=message.person_id,
            category="messages",
            detail={"message": message.pk, "note": note.pk},
        )
    return note.pk
