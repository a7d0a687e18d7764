"""The journal's reactions to hooks of the apps below it, registered in JournalConfig.ready()."""

from __future__ import annotations

from consonance.booking import hooks as booking_hooks
from consonance.journal import consultations, inbound
from consonance.journal.models import Note
from consonance.journal.selectors import notes_texts
from consonance.journal.services import access_record, journal_export_record
from consonance.mail import hooks as mail_hooks
from consonance.rights import hooks as rights_hooks


def notes_shown(ask: rights_hooks.NotesAsk) -> list[rights_hooks.ShownNote]:
    """Her notes, every version, for her own eyes (P15); logged as an export of the journal."""
    notes = list(Note.objects.filter(person=ask.person).order_by("created_at", "pk"))
    texts = notes_texts(ask.person, notes)
    if notes:
        journal_export_record(
            person=ask.person, actor=ask.actor, count=len(notes), what=ask.purpose
        )
    return [
        rights_hooks.ShownNote(
            at=note.created_at,
            kind=note.kind,
            text=texts[note.pk],
            version=note.version,
            signed_at=note.signed_at,
            superseded_at=note.superseded_at,
        )
        for note in notes
    ]


def notes_erased(ask: rights_hooks.NotesAsk) -> None:
    """Her notes were deleted on her request: the deletion goes into the access log."""
    access_record(person=ask.person, actor=ask.actor, action="delete", what="request")


def register() -> None:
    booking_hooks.booking_confirmed.register(consultations.on_booking_confirmed)
    booking_hooks.booking_cancelled.register(consultations.on_booking_cancelled)
    rights_hooks.journal_notes_shown.register(notes_shown)
    rights_hooks.journal_notes_erased.register(notes_erased)
    mail_hooks.inbound_message.register(inbound.file_inbound)
