"""E-mail to the coach that no consultation claims goes to the contact queue (P17).

Handler of `mail.hooks.inbound_unclaimed`, inside the ingestion's transaction: the sender becomes
(or is found as) a Person, and the message is stored encrypted with her key, to be handled
within 48 hours and deleted after the reply (policy rule "messages-after-reply").

A message whose From address nothing proves (mail.hooks.InboundMail.dkim_aligned is False) is
marked "avsändaren kunde inte bekräftas": anyone can write any address in From (issue 21). A
note about a message the ingestion parked (too large, unreadable) names its size, sender and
subject only, and where in the mailbox it lies."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone

from consonance.audit.services import SYSTEM, audit_append
from consonance.contact.models import Message
from consonance.mail.hooks import PARKED_TOO_LARGE, PARKED_UNREADABLE, InboundMail
from consonance.people.keys import person_encrypt
from consonance.people.services import person_get_or_create
from consonance.privacy.registry import context_of


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f}".replace(".", ",") + " MB"


def _parked_note(mail: InboundMail) -> str:
    """Stored in Swedish like the rest of the message: it is the coach's own record."""
    if mail.parked == PARKED_TOO_LARGE:
        why = f"Mejlet var för stort för att läsas in ({_megabytes(mail.size)})."
    elif mail.parked == PARKED_UNREADABLE:
        why = f"Mejlet kunde inte läsas in ({_megabytes(mail.size)})."
    else:
        return ""
    return f"[{why} Det ligger i mappen ”{mail.parked_folder}” i brevlådan: läs det där.]"


def file_unclaimed(mail: InboundMail) -> str | None:
    try:
        validate_email(mail.from_address)
    except ValidationError:
        return None
    first, _sep, last = mail.from_name.partition(" ")
    # Her clock moves only when the mail proves its sender (finding 11 of issue 21).
    person, _created = person_get_or_create(
        email=mail.from_address,
        first_name=first[:100],
        last_name=last[:100],
        actor=SYSTEM,
        proven=mail.dkim_aligned,
    )
    text = _parked_note(mail) or mail.text.strip() or "(tomt meddelande)"
    body = f"{mail.subject.strip()}\n\n{text}" if mail.subject.strip() else text
    if mail.attachments or mail.refused:
        names = [a.filename for a in mail.attachments] + [n for n, _s in mail.refused]
        body += "\n\n[Bilagor sparades inte: " + ", ".join(names) + "]"
    message = Message.objects.create(
        person=person,
        received_at=min(mail.date, timezone.now()),
        body_ciphertext=person_encrypt(
            person, body, context=context_of(Message, "body_ciphertext")
        ),
        source=Message.Source.EMAIL,
        sender_unverified=not mail.dkim_aligned,
    )
    audit_append(
        actor=SYSTEM,
        action="contact.message_received",
        subject_id=person.pk,
        category="messages",
        detail={"message": message.pk, "source": "email"},
    )
    return "contact"
