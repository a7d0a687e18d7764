"""The newsletter's transactional e-mails (through the outbox), one function per message."""

from __future__ import annotations

import datetime as dt

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from consonance.lib.urls import absolute_reverse
from consonance.mail.outbox import mail_queue
from consonance.newsletter.tokens import Signup, signup_token

# P20: every mail this app sends and its purpose, an id of the policy's [communication] list
# (privacy/mail_types.py; the outbox refuses a template not named here).
MAIL_TYPES = {
    "newsletter_confirm": "newsletter",
    "newsletter_issue": "newsletter",
}


def signup_confirm_email(signup: Signup, *, person_id: int | None = None) -> None:
    """The double opt-in link (P9); it expires after two days. A first sign-up has no Person
    yet (`person_id` None): the link's token carries it, and the Person is made when she follows
    it (P1: nothing kept for an address nobody proved); the outbox links the mail to the person
    with the address when there is one, and deletes it once sent."""
    mail_queue(
        to=signup.email,
        template="newsletter_confirm",
        context={
            "first_name": signup.first_name,
            "url": absolute_reverse("newsletter:confirm", signup_token(signup)),
        },
        language=signup.language,
        person_id=person_id,
    )


def stop_notice_texts(delete_on: dt.date) -> tuple[dict[str, str], dict[str, str]]:
    """The notice that the newsletter stops, (subjects, Markdown bodies) per language; it goes
    out through the newsletter's own sender (campaigns.notice_start), each in her language."""
    subjects, bodies = {}, {}
    for language in ("sv", "en"):
        with translation.override(language):
            subjects[language] = _("Nyhetsbrevet upphör")
            bodies[language] = render_to_string(
                "newsletter/stop_notice.md", {"date": date_format(delete_on, "j F Y")}
            ).strip()
    return subjects, bodies
