"""The journal's e-mails, one function per message, through the outbox (after commit).

P20: mail about an ongoing e-mail consultation only, and never its text: the client gets a link to
her consultation page, the coach a link to the staff page.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import formats, translation

from consonance.journal.models import Consultation
from consonance.lib.time import STOCKHOLM
from consonance.lib.urls import absolute_reverse
from consonance.mail.models import OutboxMessage
from consonance.mail.outbox import mail_queue

# P20: every mail this app sends and its purpose, an id of the policy's [communication] list
# (privacy/mail_types.py; the outbox refuses a template not named here).
MAIL_TYPES = {
    "journal_consultation_opened": "email_consultation",
    "journal_reply": "email_consultation",
    "journal_new_message": "coach_notice",
}


def _page(token: str, language: str) -> str:
    with translation.override(language):
        return absolute_reverse("journal:consultation", token)


def _date(consultation: Consultation, language: str) -> str:
    with translation.override(language):
        return formats.date_format(consultation.ends_at.astimezone(STOCKHOLM), "j F Y")


def _language(consultation: Consultation) -> str:
    booking = consultation.booking
    language = booking.language if booking is not None else consultation.person.language
    return language if language in {"sv", "en"} else "sv"


def consultation_opened(consultation: Consultation, token: str, reply_token: str) -> None:
    language = _language(consultation)
    mail_queue(
        to=consultation.person.email,
        template="journal_consultation_opened",
        context={
            "url": _page(token, language),
            "exchanges": consultation.exchanges,
            "ends": _date(consultation, language),
            "reply_token": reply_token,
        },
        language=language,
        person_id=consultation.person_id,
    )


def reply_notified(
    consultation: Consultation, token: str, reply_token: str
) -> OutboxMessage | None:
    """The client hears that the coach replied; the notice's Message-ID is kept on the reply, so
    that its copy in Sent (Gmail keeps one) is recognised and purged, not filed again. Both mails
    to her carry the reply token in their subject: her answer by e-mail keeps it (issue 21)."""
    language = _language(consultation)
    return mail_queue(
        to=consultation.person.email,
        template="journal_reply",
        context={"url": _page(token, language), "reply_token": reply_token},
        language=language,
        person_id=consultation.person_id,
    )


def coach_notified(consultation: Consultation) -> None:
    """The coach hears that a message waits, with a link to the staff page; no name, no text."""
    mail_queue(
        to=settings.CONSONANCE_STAFF_EMAIL,
        template="journal_new_message",
        context={
            "url": absolute_reverse("journal_staff:consultation", consultation.pk),
            "consultation": consultation.pk,
        },
        language="sv",
    )
