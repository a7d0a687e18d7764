"""The journal's reactions to hooks of the apps below it, registered in JournalConfig.ready()."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from consonance.booking import hooks as booking_hooks
from consonance.journal import consultations, inbound
from consonance.journal.models import Consultation, Note
from consonance.journal.selectors import notes_texts, replies_awaited, reply_dues
from consonance.journal.services import access_record, journal_export_record
from consonance.lib import overview
from consonance.mail import hooks as mail_hooks
from consonance.people import hooks as people_hooks
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


# -- the coach's overview, client list and card ------------------------------------------------


def waiting_replies(query: overview.OverviewQuery) -> list[overview.Waiting]:
    """E-mail consultations whose client waits for a reply (P16), against the extended week."""
    group = _("Mejlkonsultation att besvara")
    late = _("Meddelande efter avslutad mejlkonsultation")
    return [
        overview.Waiting(
            group=late if consultation.state == Consultation.State.COMPLETED else group,
            text=consultation.person.first_name,
            url=reverse("journal_staff:consultation", args=[consultation.pk]),
            due_at=due,
            overdue=due <= query.now,
            person_id=consultation.person_id,
        )
        for consultation, due in replies_awaited(query.now)[: query.limit]
    ]


def client_ids(_ask: None) -> Q:
    return Q(pk__in=Note.objects.values("person_id")) | Q(
        pk__in=Consultation.objects.values("person_id")
    )


def _reply_item(consultation: Consultation, due: datetime, now: datetime) -> people_hooks.OpenItem:
    if consultation.state == Consultation.State.COMPLETED:
        return people_hooks.OpenItem(
            _("Meddelande efter avslutad mejlkonsultation"), due, overdue=due <= now
        )
    return people_hooks.OpenItem(_("Mejlkonsultation att besvara"), due, overdue=due <= now)


def clients_open(ask: people_hooks.ClientsAsk) -> dict[int, list[people_hooks.OpenItem]]:
    found: dict[int, list[people_hooks.OpenItem]] = {}
    for consultation, due in replies_awaited(ask.now, person_ids=ask.person_ids):
        found.setdefault(consultation.person_id, []).append(_reply_item(consultation, due, ask.now))
    return found


def client_card(ask: people_hooks.CardAsk) -> people_hooks.CardSection | None:
    """How much her journal holds and her e-mail consultations; the notes themselves are read on
    the journal's own card, which logs every read (P15). Counting them reads no text."""
    person = ask.person
    notes = Note.objects.filter(person=person, superseded_at__isnull=True).count()
    consultations = list(
        Consultation.objects.filter(person=person)
        .select_related("booking__service")
        .order_by("-opened_at", "-pk")
    )
    # Her replies awaited from the consultations just read, in replies_awaited's order.
    waiting = sorted(
        consultations, key=lambda c: (c.awaiting_reply_since or ask.now, c.ends_at, c.pk)
    )
    dues = dict(reply_dues(waiting, ask.now))
    for consultation in consultations:
        consultation.reply_due = dues.get(consultation)  # type: ignore[attr-defined]
    return people_hooks.CardSection(
        position=30,
        anchor="journal",
        title=_("Journal"),
        template="journal/staff/_client_section.html",
        context={"person": person, "notes": notes, "consultations": consultations},
        deadlines=tuple(_reply_item(c, due, ask.now) for c, due in dues.items()),
    )


def register() -> None:
    booking_hooks.booking_confirmed.register(consultations.on_booking_confirmed)
    booking_hooks.booking_cancelled.register(consultations.on_booking_cancelled)
    rights_hooks.journal_notes_shown.register(notes_shown)
    rights_hooks.journal_notes_erased.register(notes_erased)
    mail_hooks.inbound_message.register(inbound.file_inbound)
    overview.waiting.register(waiting_replies)
    people_hooks.clients_known.register(client_ids)
    people_hooks.clients_open.register(clients_open)
    people_hooks.client_card.register(client_card)
