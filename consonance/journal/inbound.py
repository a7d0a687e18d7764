"""Filing e-mail from the coach's mailbox into e-mail consultations (P16).

Handler of `mail.hooks.inbound_message`, called inside the ingestion's transaction:
- from the inbox, a message from a client with an e-mail consultation is filed as her message
  only when it proves it is hers (issue 21): a DKIM signature aligned with her From domain
  (mail/sender.py), or the reply token of one of her consultations (consultations.reply_token),
  which the site's mails to her carry in their subject; it goes into the token's consultation,
  else the thread it answers, else her open one. A message that merely names her address in
  From is left to the contact queue, marked "avsändaren kunde inte bekräftas";
- from Sent, the coach's reply to such a client is filed as the reply, and a message the site
  itself sent (its Message-ID is already in the journal) is recognised and only purged.
Anything else is left to the next handler (the contact queue) or left alone (Sent).
"""

from __future__ import annotations

import base64
import json

from django.utils import timezone

from consonance.audit.services import SYSTEM
from consonance.journal.consultations import (
    consultations_from_reply_tokens,
    message_receive,
    reply_send,
)
from consonance.journal.models import Consultation, Note, NoteAttachment
from consonance.journal.selectors import consultation_for_person
from consonance.journal.services import note_create
from consonance.mail.hooks import InboundMail
from consonance.people.keys import person_encrypt
from consonance.people.models import Person
from consonance.people.selectors import person_by_email
from consonance.privacy.registry import context_of

ACTOR = SYSTEM
ORIGIN = "imap"


def _thread_consultation(mail: InboundMail, person: Person) -> Consultation | None:
    ids = [i for i in (mail.in_reply_to, *mail.references) if i]
    if not ids:
        return None
    note = (
        Note.objects.filter(person=person, message_id__in=ids, consultation__isnull=False)
        .exclude(consultation__state=Consultation.State.CANCELLED)
        .select_related("consultation")
        .order_by("-created_at")
        .first()
    )
    return note.consultation if note else None


def _consultation_for(mail: InboundMail, person: Person) -> Consultation | None:
    return _thread_consultation(mail, person) or consultation_for_person(person.pk)


def _body(mail: InboundMail) -> str:
    text = mail.text.strip() or "(tomt meddelande)"
    subject = mail.subject.strip()
    return f"{subject}\n\n{text}" if subject else text


def _attach(note: Note, mail: InboundMail) -> None:
    for attachment in mail.attachments:
        payload = json.dumps(
            {
                "filename": attachment.filename,
                "content_type": attachment.content_type,
                "data": base64.b64encode(attachment.data).decode("ascii"),
            }
        )
        NoteAttachment.objects.create(
            note=note,
            person=note.person,
            size=len(attachment.data),
            content_ciphertext=person_encrypt(
                note.person, payload, context=context_of(NoteAttachment, "content_ciphertext")
            ),
        )
    if mail.refused:
        lines = [f"- {name} ({size // 1024} kB)" for name, size in mail.refused]
        note_create(
            person=note.person,
            body="Bilagor som var för stora och inte sparades (be om dem på annat sätt):\n"
            + "\n".join(lines),
            actor=ACTOR,
            consultation=note.consultation,
            booking=note.booking,
            origin=ORIGIN,
        )


def _when(mail: InboundMail):
    return min(mail.date, timezone.now())


def _token_consultation(mail: InboundMail, person: Person) -> Consultation | None:
    """Her consultation whose reply token the message carries (subject, or a plus-address)."""
    carried = consultations_from_reply_tokens(" ".join((mail.subject, *mail.to_addresses)))
    for consultation in carried:
        if (
            consultation.person_id == person.pk
            and consultation.state != Consultation.State.CANCELLED
        ):
            return consultation
    return None


def _file_incoming(mail: InboundMail) -> str | None:
    person = person_by_email(mail.from_address) if mail.from_address else None
    if person is None:
        return None
    by_token = _token_consultation(mail, person)
    if by_token is None and not mail.dkim_aligned:
        return None  # anyone can write her address: the contact queue, marked unverified
    if (
        mail.message_id
        and Note.objects.filter(
            person=person, message_id=mail.message_id, kind=Note.Kind.MESSAGE_IN
        ).exists()
    ):
        return "duplicate"
    consultation = by_token or _consultation_for(mail, person)
    if consultation is None:
        return None
    note = message_receive(
        consultation=consultation,
        body=_body(mail),
        actor=ACTOR,
        source="email",
        message_id=mail.message_id,
        received_at=_when(mail),
        origin=ORIGIN,
    )
    _attach(note, mail)
    return "consultation"


def _file_sent(mail: InboundMail) -> str | None:
    if mail.message_id and Note.objects.filter(message_id=mail.message_id).exists():
        return "duplicate"  # sent by the site (a staff reply's notice) or filed before
    for address in mail.to_addresses:
        person = person_by_email(address)
        if person is None:
            continue
        consultation = _consultation_for(mail, person)
        if consultation is None:
            continue
        note = reply_send(
            consultation=consultation,
            body=_body(mail),
            actor=ACTOR,
            source="email",
            message_id=mail.message_id,
            sent_at=_when(mail),
            origin=ORIGIN,
        )
        _attach(note, mail)
        return "reply"
    return None


def file_inbound(mail: InboundMail) -> str | None:
    """Handler of mail.hooks.inbound_message."""
    if mail.role == "sent":
        return _file_sent(mail)
    return _file_incoming(mail)
