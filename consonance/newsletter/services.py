"""Writes to newsletter subscriptions (P9, P12, P28): each atomic and audited."""

from __future__ import annotations

import datetime as dt
import time

from django.db import transaction
from django.utils import timezone

from consonance.audit.services import SYSTEM, audit_append
from consonance.consent.services import consent_give, consent_text_store, consent_withdraw
from consonance.consent.texts import NEWSLETTER, ShownText, consent_text
from consonance.newsletter.emails import signup_confirm_email
from consonance.newsletter.models import Subscription
from consonance.newsletter.selectors import subscribers_to_ask_again
from consonance.newsletter.tokens import Signup
from consonance.people.models import Person
from consonance.people.services import person_get_or_create
from consonance.rights.services import ObjectionInForce, objections_supersede


class SubscriptionRefused(Exception):
    """The person objected to direct marketing and has not consented again since."""


def subscription_create(
    *,
    person: Person,
    consent_given_at: dt.datetime,
    actor: str,
    confirmed: bool = False,
    shown: ShownText | None = None,
    method: str = "form",
) -> Subscription:
    """Subscribe `person` on her explicit consent given at `consent_given_at`.

    After an objection to direct marketing (P28) a subscription starts again only on a consent
    given *after* the objection; such a consent supersedes the objection. Otherwise this raises
    SubscriptionRefused and changes nothing.
    """
    if consent_given_at is None:
        raise SubscriptionRefused("a subscription needs an explicit consent")
    now = timezone.now()
    with transaction.atomic():
        try:
            superseded = objections_supersede(
                person=person, consent_given_at=consent_given_at, actor=actor
            )
        except ObjectionInForce as error:
            raise SubscriptionRefused(
                f"person {person.pk} objected to direct marketing; a new consent is needed"
            ) from error
        subscription, created = Subscription.objects.select_for_update().get_or_create(
            person=person,
            defaults={
                "subscribed_at": consent_given_at,
                "confirmed_at": now if confirmed else None,
            },
        )
        if not created:
            subscription.subscribed_at = consent_given_at
            subscription.confirmed_at = now if confirmed else None
            subscription.unsubscribed_at = None
            subscription.save(update_fields=["subscribed_at", "confirmed_at", "unsubscribed_at"])
        audit_append(
            actor=actor,
            action="newsletter.subscribed",
            subject_id=person.pk,
            category="newsletter",
            detail={"subscription": subscription.pk, "objections_superseded": superseded},
        )
        if shown is not None:  # the ledger keeps the exact text she consented to (P9)
            consent_give(purpose=NEWSLETTER, shown=shown, method=method, actor=actor, person=person)
    return subscription


def subscription_unsubscribe(*, person: Person, actor: str, method: str = "privacy_center") -> bool:
    """Withdraw the newsletter consent (P9); True when an active subscription ended."""
    with transaction.atomic():
        updated = Subscription.objects.filter(person=person, unsubscribed_at__isnull=True).update(
            unsubscribed_at=timezone.now()
        )
        if updated:
            audit_append(
                actor=actor,
                action="newsletter.unsubscribed",
                subject_id=person.pk,
                category="newsletter",
            )
            consent_withdraw(purpose=NEWSLETTER, method=method, actor=actor, person=person)
    return bool(updated)


def person_for_signup(*, email: str, first_name: str, last_name: str, language: str) -> Person:
    """The person with this address, created when unknown (P1: names and address only). A known
    person's names are left as they are: changing them is rectification, not a sign-up."""
    person, _ = person_get_or_create(
        email=email, first_name=first_name, last_name=last_name, language=language, actor=SYSTEM
    )
    return person


def newsletter_ask_again(*, actor: str) -> int:
    """Ask each subscriber whose consent is for an older material version of the text to confirm
    again (a new double opt-in link); until she does, the newsletter does not go to her."""
    asked = 0
    language_texts: dict[str, ShownText] = {}
    for person in subscribers_to_ask_again().iterator():
        shown = language_texts.get(person.language)
        if shown is None:
            shown = language_texts[person.language] = consent_text(NEWSLETTER, person.language)
            consent_text_store(shown)
        signup_confirm_email(
            Signup(
                email=person.email,
                first_name=person.first_name,
                last_name=person.last_name,
                language=person.language,
                text_hash=shown.text_hash,
                issued_at=time.time(),
            ),
            person_id=person.pk,
        )
        asked += 1
    if asked:
        audit_append(
            actor=actor,
            action="newsletter.asked_again",
            category="newsletter",
            detail={"count": asked},
        )
    return asked
