"""The contact app's e-mails, one function per message, queued through the outbox after commit.

- `reply`: the coach's reply to a person's message (P20: "a reply to the client's own message"),
  in the coach's own words; the site adds only a short closing line.
- `staff_new_message`: tells the coach that a message is waiting. It carries a link to the staff
  page and the deadline, never the sender's name, address or words.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation

from consonance.contact.models import Message
from consonance.lib.urls import absolute_url
from consonance.mail.outbox import mail_queue
from consonance.people.models import Person
from consonance.privacy.holidays import deadline_due

# P20: every mail this app sends and its purpose, an id of the policy's [communication] list
# (privacy/mail_types.py; the outbox refuses a template not named here).
MAIL_TYPES = {
    "contact_reply": "reply",
    "contact_staff_new": "coach_notice",
}


def reply(*, person: Person, text: str, language: str) -> bool:
    """Queue the reply; False when the address is on the suppression list (nothing queued)."""
    queued = mail_queue(
        to=person.email,
        template="contact_reply",
        context={"first_name": person.first_name, "text": text.strip()},
        language=language,
        person_id=person.pk,
    )
    return queued is not None


def staff_new_message(message: Message) -> None:
    with translation.override("sv"):
        url = absolute_url("/staff/contact/")
    mail_queue(
        to=settings.CONSONANCE_STAFF_EMAIL,
        template="contact_staff_new",
        context={
            "url": url,
            "from_form": message.source == Message.Source.FORM,
            "due_at": deadline_due("message-handling", message.received_at),
        },
        language="sv",
    )
