"""E-mail to the coach that no consultation claims goes to the contact queue (P17).

Handler of `mail.hooks.inbound_unclaimed`, inside the ingestion's transaction: the sender becomes
(or is found as) a Person, and the message is stored encrypted with her key, to be handled
within 48 hours and deleted after the reply (policy rule "messages-after-reply")."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone

from consonance.audit.services import SYSTEM, audit_append
from consonance.contact.models import Message
from consonance.mail.hooks import InboundMail
from consonance.people.keys import person_encrypt
from consonance.people.services import person_get_or_create


def file_unclaimed(mail: InboundMail) -> str | None:
    try:
        validate_email(mail.from_address)
    except ValidationError:
        return None
    first, _sep, last = mail.from_name.partition(" ")
    person, _created = person_get_or_create(
        email=mail.from_address, first_name=first[:100], last_name=last[:100], actor=SYSTEM
    )
    text = mail.text.strip() or "(tomt meddelande)"
    body = f"{mail.subject.strip()}\n\n{text}" if mail.subject.strip() else text
    if mail.attachments or mail.refused:
        names = [a.filename for a in mail.attachments] + [n for n, _s in mail.refused]
        body += "\n\n[Bilagor sparades inte: " + ", ".join(names) + "]"
    message = Message.objects.create(
        person=person,
        received_at=min(mail.date, timezone.now()),
        body_ciphertext=person_encrypt(person, body, context="contact"),
        source=Message.Source.EMAIL,
    )
    audit_append(
        actor=SYSTEM,
        action="contact.message_received",
        subject_id=person.pk,
        category="messages",
        detail={"message": message.pk, "source": "email"},
    )
    return "contact"
