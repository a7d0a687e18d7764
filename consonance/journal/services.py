"""Writes to the journal: one atomic, audited function per change (P15).

Every write also goes into the journal's own access log (`AccessEvent`), which the coach sees
per client; the audit chain gets the same fact with ids only. Text is encrypted with the
client's key before it reaches the database and never appears in a log.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from consonance.audit.services import audit_append
from consonance.booking.models import Booking
from consonance.journal.models import AccessEvent, Consultation, Note
from consonance.people.keys import person_encrypt
from consonance.people.models import Person
from consonance.people.services import person_noted
from consonance.privacy.registry import context_of

MAX_BODY = 100_000


class JournalError(Exception):
    """A change the journal refuses (e.g. editing a signed note); the message is safe to show."""


def access_record(
    *,
    person: Person | int,
    actor: str,
    action: str,
    what: str = "",
    note: Note | None = None,
    origin: str = "",
) -> AccessEvent:
    """One line of the access log: who did what, when, to which client's journal, from where."""
    person_id = person if isinstance(person, int) else person.pk
    return AccessEvent.objects.create(
        actor=actor[:64],
        action=action,
        person_id=person_id,
        note=note,
        what=what[:40],
        origin=origin[:64],
    )


def _check_body(body: str) -> str:
    body = body.replace("\r\n", "\n").strip()
    if not body:
        raise JournalError("empty")
    if len(body) > MAX_BODY:
        raise JournalError("too long")
    return body


def note_create(
    *,
    person: Person,
    body: str,
    actor: str,
    booking: Booking | None = None,
    consultation: Consultation | None = None,
    kind: str = Note.Kind.NOTE,
    source: str = "",
    message_id: str = "",
    origin: str = "",
    created_at: datetime | None = None,
) -> Note:
    """Write a new note (or a consultation message) in the person's journal, encrypted with her
    key. `booking` ties it to a consultation; `actor` is who wrote it ("staff:1", "person:7",
    "system"). Raises JournalError for an empty or oversized body."""
    body = _check_body(body)
    with transaction.atomic():
        note = Note.objects.create(
            person=person,
            body_ciphertext=person_encrypt(
                person, body, context=context_of(Note, "body_ciphertext")
            ),
            kind=kind,
            booking=booking,
            consultation=consultation,
            author=actor[:64],
            source=source[:8],
            message_id=message_id[:255],
            created_at=created_at or timezone.now(),
        )
        access_record(person=person, actor=actor, action="write", note=note, origin=origin)
        person_noted(person.pk, note.created_at)  # the journal's clock (P15) starts again
        audit_append(
            actor=actor,
            action="journal.note_created",
            subject_id=person.pk,
            category="journal",
            detail={"note": note.pk, "kind": kind},
        )
    return note


def _locked_current(note_id: int, person_id: int | None = None) -> Note:
    lookup = {"pk": note_id}
    if person_id is not None:
        lookup["person_id"] = person_id
    note = Note.objects.select_for_update().select_related("person").get(**lookup)
    if note.superseded_at is not None:
        raise JournalError("superseded")
    return note


def note_update(*, note_id: int, body: str, actor: str, origin: str = "") -> Note:
    """Change an unsigned note in place. A signed one is locked: use `note_correct`."""
    body = _check_body(body)
    with transaction.atomic():
        note = _locked_current(note_id)
        if note.signed_at is not None:
            raise JournalError("signed")
        note.body_ciphertext = person_encrypt(
            note.person, body, context=context_of(Note, "body_ciphertext")
        )
        note.save(update_fields=["body_ciphertext"])
        access_record(person=note.person, actor=actor, action="write", note=note, origin=origin)
        audit_append(
            actor=actor,
            action="journal.note_updated",
            subject_id=note.person_id,
            category="journal",
            detail={"note": note.pk},
        )
    return note


def note_sign(*, note_id: int, actor: str, origin: str = "") -> Note:
    """Sign a note: from now on it is locked; a change is a correction (a new version)."""
    with transaction.atomic():
        note = _locked_current(note_id)
        if note.signed_at is not None:
            return note
        note.signed_at = timezone.now()
        note.signed_by = actor[:64]
        note.save(update_fields=["signed_at", "signed_by"])
        access_record(person=note.person, actor=actor, action="sign", note=note, origin=origin)
        audit_append(
            actor=actor,
            action="journal.note_signed",
            subject_id=note.person_id,
            category="journal",
            detail={"note": note.pk},
        )
    return note


def note_correct(*, note_id: int, body: str, actor: str, origin: str = "") -> Note:
    """Correct a signed note: a new version with the new text; the old one stays, superseded
    (shown struck through). The correction starts unsigned."""
    body = _check_body(body)
    with transaction.atomic():
        old = _locked_current(note_id)
        if old.signed_at is None:
            raise JournalError("not signed")
        now = timezone.now()
        new = Note.objects.create(
            person=old.person,
            body_ciphertext=person_encrypt(
                old.person, body, context=context_of(Note, "body_ciphertext")
            ),
            kind=old.kind,
            booking_id=old.booking_id,
            consultation_id=old.consultation_id,
            author=actor[:64],
            root_id=old.root_id or old.pk,
            version=old.version + 1,
            source=old.source,
            created_at=now,
        )
        old.superseded_at = now
        old.save(update_fields=["superseded_at"])
        access_record(person=old.person, actor=actor, action="correct", note=new, origin=origin)
        audit_append(
            actor=actor,
            action="journal.note_corrected",
            subject_id=old.person_id,
            category="journal",
            detail={"note": new.pk, "corrects": old.pk, "version": new.version},
        )
    return new


def journal_export_record(
    *, person: Person, actor: str, count: int, what: str = "", origin: str = ""
) -> None:
    """Log that the person's notes left the journal (her export, her request to see them)."""
    with transaction.atomic():
        access_record(
            person=person, actor=actor, action="export", what=f"{what}:{count}", origin=origin
        )
        audit_append(
            actor=actor,
            action="journal.notes_exported",
            subject_id=person.pk,
            category="journal",
            detail={"notes": count},
        )
