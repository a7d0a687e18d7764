"""Reads of the journal. Every read of note text goes through a function here that writes a line
in the access log (P15): the client card, a consultation, her own page, her export."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet

from consonance.journal.models import AccessEvent, Consultation, Note
from consonance.journal.services import access_record
from consonance.people.keys import KeyDestroyed, person_decrypt, person_decrypt_many
from consonance.people.models import Person
from consonance.people.selectors import persons_read
from consonance.privacy.holidays import deadline_due, deadlines_due, holidays_ahead
from consonance.privacy.registry import context_of


def note_text(note: Note) -> str | None:
    """The note's text, or None when it can no longer be read (the client's key is destroyed)."""
    try:
        return person_decrypt(
            note.person, bytes(note.body_ciphertext), context=context_of(Note, "body_ciphertext")
        )
    except KeyDestroyed:
        return None


@dataclass
class NoteView:
    note: Note
    text: str | None
    older: list[NoteView]  # earlier versions, newest first (shown struck through)


def notes_texts(person: Person, notes: list[Note]) -> dict[int, str | None]:
    """The texts of many notes of one person, her key unwrapped once; None when destroyed."""
    try:
        texts = person_decrypt_many(
            person,
            [bytes(n.body_ciphertext) for n in notes],
            context=context_of(Note, "body_ciphertext"),
        )
    except KeyDestroyed:
        return {n.pk: None for n in notes}
    return {n.pk: text for n, text in zip(notes, texts, strict=True)}


def _views(person: Person, notes: list[Note]) -> list[NoteView]:
    """Group versions under their current one; newest notes first."""
    texts = notes_texts(person, notes)
    by_root: dict[int, list[Note]] = {}
    for note in notes:
        by_root.setdefault(note.root_id or note.pk, []).append(note)
    out = []
    for versions in by_root.values():
        versions.sort(key=lambda n: n.version, reverse=True)
        views = [NoteView(n, texts[n.pk], []) for n in versions]
        current, older = views[0], views[1:]
        current.older = older
        out.append(current)
    out.sort(key=lambda v: (v.note.created_at, v.note.pk), reverse=True)
    return out


NOTES_PER_PAGE = 25


@dataclass
class NotesPage:
    notes: list[NoteView]
    page: int
    pages: int
    total: int


def person_notes_read(
    person: Person, *, actor: str, origin: str = "", what: str = "card", page: int = 1
) -> NotesPage:
    """One page of the person's journal (newest first, each note with its earlier versions),
    logged as one read. A page, not all: a client card with 500 notes stays fast."""
    current = Note.objects.filter(person=person, superseded_at__isnull=True)
    total = current.count()
    pages = max((total + NOTES_PER_PAGE - 1) // NOTES_PER_PAGE, 1)
    page = min(max(page, 1), pages)
    start = (page - 1) * NOTES_PER_PAGE
    shown = list(
        current.select_related("booking__service").order_by("-created_at", "-pk")[
            start : start + NOTES_PER_PAGE
        ]
    )
    roots = [n.root_id or n.pk for n in shown]
    older = list(
        Note.objects.filter(person=person, superseded_at__isnull=False)
        .filter(Q(root_id__in=roots) | Q(pk__in=roots))
        .select_related("booking__service")
    )
    access_record(person=person, actor=actor, action="read", what=what, origin=origin)
    return NotesPage(_views(person, shown + older), page, pages, total)


def consultation_messages_read(
    consultation: Consultation, *, actor: str, origin: str = ""
) -> list[tuple[Note, str | None]]:
    """The messages of an e-mail consultation, oldest first, logged as one read."""
    person = consultation.person
    notes = list(
        consultation.notes.filter(
            kind__in=(Note.Kind.MESSAGE_IN, Note.Kind.MESSAGE_OUT), superseded_at__isnull=True
        ).order_by("created_at", "pk")
    )
    access_record(
        person=person,
        actor=actor,
        action="read",
        what=f"consultation:{consultation.pk}",
        origin=origin,
    )
    texts = notes_texts(person, notes)
    return [(note, texts[note.pk]) for note in notes]


def person_access_log(person: Person, limit: int = 200) -> QuerySet[AccessEvent]:
    return AccessEvent.objects.filter(person=person).select_related("note")[:limit]


def people_with_journal() -> QuerySet[Person]:
    """Clients with at least one note or consultation, latest activity first."""
    return (
        Person.objects.annotate(
            n_notes=Count("notes", filter=Q(notes__superseded_at__isnull=True), distinct=True)
        )
        .filter(Q(n_notes__gt=0) | Q(email_consultations__isnull=False))
        .distinct()
        .order_by("-last_contact_at", "pk")
    )


def reply_due(consultation: Consultation) -> datetime | None:
    """When the coach must have replied (P16: within one week of the client's message)."""
    since = consultation.awaiting_reply_since
    if since is None:
        return None
    return deadline_due("email-consultation-reply", since)  # extended by holidays


def consultations_open() -> QuerySet[Consultation]:
    """Open e-mail consultations, the one waiting longest for a reply first (for the overview)."""
    return (
        Consultation.objects.filter(state=Consultation.State.OPEN)
        .select_related("person", "booking__service")
        .order_by("awaiting_reply_since", "ends_at", "pk")
    )


def replies_awaited(
    now: datetime, *, person_ids: tuple[int, ...] | None = None
) -> list[tuple[Consultation, datetime]]:
    """E-mail consultations whose client waits for the coach's reply, each with the date the
    reply is due (P16: a week, extended by holidays), the longest waiting first: open ones, and
    completed ones she wrote to afterwards (a late message, never lost)."""
    # The dates and a first name only (the overview, the client list and card).
    rows = (
        Consultation.objects.filter(
            state__in=(Consultation.State.OPEN, Consultation.State.COMPLETED),
            awaiting_reply_since__isnull=False,
        )
        .select_related("person")
        .only("pk", "state", "awaiting_reply_since", "person__first_name")
        .order_by("awaiting_reply_since", "ends_at", "pk")
    )
    if person_ids is not None:
        rows = rows.filter(person_id__in=person_ids)
    return reply_dues(persons_read(list(rows)), now)


def reply_dues(
    consultations: list[Consultation], now: datetime
) -> list[tuple[Consultation, datetime]]:
    """Of `consultations` (already read, in the order wanted), those whose client waits for a
    reply, each with its due date, as `replies_awaited` gives them."""
    waiting = (Consultation.State.OPEN, Consultation.State.COMPLETED)
    found = [c for c in consultations if c.state in waiting and c.awaiting_reply_since]
    if not found:
        return []
    windows = holidays_ahead(now=now - timedelta(days=92))
    starts = [c.awaiting_reply_since for c in found if c.awaiting_reply_since]
    dues = deadlines_due("email-consultation-reply", starts, windows=windows)
    return list(zip(found, dues, strict=True))


def replies_given(consultation: Consultation) -> int:
    return consultation.notes.filter(kind=Note.Kind.MESSAGE_OUT, superseded_at__isnull=True).count()


def consultation_for_person(person_id: int) -> Consultation | None:
    """Her open e-mail consultation (the latest, if several): where her e-mail is filed."""
    return (
        Consultation.objects.filter(person_id=person_id, state=Consultation.State.OPEN)
        .order_by("-opened_at", "-pk")
        .first()
    )


def staff_names(actors: set[str]) -> dict[str, str]:
    """Staff actors ("staff:1") by the staff member's user name, for the access log."""
    ids = [int(a.split(":", 1)[1]) for a in actors if a.startswith("staff:") and a[6:].isdigit()]
    users = get_user_model().objects.filter(pk__in=ids).values_list("pk", "username")
    return {f"staff:{pk}": name for pk, name in users}
