"""Writes to newsletter subscriptions (P9, P12, P28): each atomic and audited."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from consonance.audit.services import SYSTEM, audit_append
from consonance.consent.services import consent_give, consent_text_store, consent_withdraw
from consonance.consent.texts import NEWSLETTER, ShownText, consent_text
from consonance.newsletter.campaigns import notice_start
from consonance.newsletter.emails import signup_confirm_email, stop_notice_texts
from consonance.newsletter.models import NewsletterState, Subscription
from consonance.newsletter.selectors import (
    newsletter_stopped_at,
    subscribers_to_ask_again,
    subscribers_to_tell_of_stop,
)
from consonance.newsletter.tokens import Signup
from consonance.people.models import Person
from consonance.people.services import person_get_or_create
from consonance.privacy.policy import get_policy
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
    if newsletter_stopped_at() is not None:
        raise SubscriptionRefused("the newsletter has stopped")
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
            subscription.unsubscribed_at = subscription.stopped_at = None
            subscription.save(
                update_fields=["subscribed_at", "confirmed_at", "unsubscribed_at", "stopped_at"]
            )
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


STOPPED = "newsletter_stopped"  # the policy's event: the P12 clock "from when the newsletter stops"


def newsletter_delete_on(stopped_at: dt.datetime) -> dt.date:
    """The day the policy's rule deletes what a stop at `stopped_at` ended (Stockholm date)."""
    rule = next(r for r in get_policy().retention if r.after == STOPPED)
    return timezone.localdate(rule.expires(stopped_at))


@dataclass(frozen=True)
class Stopped:
    ended: int  # subscriptions the stop ended (unconfirmed ones too)
    told: int  # confirmed subscribers the notice goes to
    delete_on: dt.date
    notice_id: int


def newsletter_stop(*, actor: str, now: dt.datetime | None = None) -> Stopped | None:
    """Stop the newsletter as such (P12): every subscription ends now and its data is deleted by
    the policy's clock from this moment; each confirmed subscriber is told so, once, in her
    language; sign-up closes and no new issue goes out. None when it had already stopped."""
    now = now or timezone.now()
    with transaction.atomic():
        state, _ = NewsletterState.objects.select_for_update().get_or_create(pk=1)
        if state.stopped_at is not None:
            return None
        state.stopped_at = now
        state.save(update_fields=["stopped_at"])
        ended = Subscription.objects.filter(
            unsubscribed_at__isnull=True, stopped_at__isnull=True
        ).update(stopped_at=now)
        # Only those this stop ended: one ended by an earlier stop was told then.
        told = list(
            subscribers_to_tell_of_stop()
            .filter(subscription__stopped_at=now)
            .values_list("pk", flat=True)
        )
        delete_on = newsletter_delete_on(now)
        subjects, bodies = stop_notice_texts(delete_on)
        notice = notice_start(subjects=subjects, bodies=bodies, person_ids=told, actor=actor)
        audit_append(
            actor=actor,
            action="newsletter.stopped",
            category="newsletter",
            detail={"ended": ended, "told": len(told), "delete_on": delete_on.isoformat()},
        )
    return Stopped(ended=ended, told=len(told), delete_on=delete_on, notice_id=notice.pk)


def newsletter_restart(*, actor: str) -> bool:
    """Open sign-up and sending again; the subscriptions the stop ended stay ended (they were
    told nothing more would come) and keep their deletion date. True when it had stopped."""
    with transaction.atomic():
        restarted = NewsletterState.objects.filter(pk=1, stopped_at__isnull=False).update(
            stopped_at=None
        )
        if restarted:
            audit_append(actor=actor, action="newsletter.restarted", category="newsletter")
    return bool(restarted)
