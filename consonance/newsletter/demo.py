"""Demo part of the newsletter: subscribers (one unsubscribed) and a sent and a draft issue."""

from __future__ import annotations

from django.utils import timezone

from consonance.audit.services import SYSTEM
from consonance.consent.texts import NEWSLETTER, consent_text
from consonance.newsletter.campaigns import campaign_create, campaign_start
from consonance.newsletter.models import Campaign, Subscription
from consonance.newsletter.services import subscription_create, subscription_unsubscribe
from consonance.people.selectors import person_by_email

SUBSCRIBERS = ["astrid.lindqvist@example.se", "maria.santos@example.com", "sara.nyberg@example.se"]
UNSUBSCRIBED = "johan.berg@example.se"
SENT_SUBJECT = "Hösten: att landa"
SENT_BODY = "Hej!\n\nEtt kort brev om att landa efter sommaren. *Ta det lugnt.*\n"
DRAFT_SUBJECT = "Vinterns samtal"
DRAFT_BODY = """Hej!

Vintern är en bra tid att **stanna upp**. Tre små frågor att ta med sig:

- Vad gav dig energi den här veckan?
- Vad tog energi?
- Vad vill du göra mer av?

Varma hälsningar
"""


def load(out) -> None:
    for email in [*SUBSCRIBERS, UNSUBSCRIBED]:
        person = person_by_email(email)
        if person is None or Subscription.objects.filter(person=person).exists():
            continue
        subscription_create(
            person=person,
            consent_given_at=timezone.now(),
            actor=SYSTEM,
            confirmed=True,
            shown=consent_text(NEWSLETTER, person.language),
            method="double_opt_in",
        )
        if email == UNSUBSCRIBED:
            subscription_unsubscribe(person=person, actor=SYSTEM, method="unsubscribe_link")
    if not Campaign.objects.filter(subject_sv=SENT_SUBJECT).exists():
        sent = campaign_create(subject_sv=SENT_SUBJECT, body_sv=SENT_BODY, actor=SYSTEM)
        campaign_start(campaign=sent, actor=SYSTEM)  # the worker sends it
    if not Campaign.objects.filter(subject_sv=DRAFT_SUBJECT).exists():
        campaign_create(subject_sv=DRAFT_SUBJECT, body_sv=DRAFT_BODY, actor=SYSTEM)
    out.write(
        "Newsletter: sign-up at /nyhetsbrev/, a draft issue to edit, delete or send (after a "
        "confirmation page) at /staff/newsletter/ "
        "(or `consonance newsletter send FILE.md --subject TEXT --test`).\n"
    )
