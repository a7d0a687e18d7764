"""Writes to newsletter subscriptions (P9, P12, P28): each atomic and audited."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from consonance.audit.services import audit_append
from consonance.newsletter.models import Subscription
from consonance.people.models import Person
from consonance.rights.services import ObjectionInForce, objections_supersede


class SubscriptionRefused(Exception):
    """The person objected to direct marketing and has not consented again since."""


def subscription_create(
    *, person: Person, consent_given_at: dt.datetime, actor: str, confirmed: bool = False
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
    return subscription


def subscription_unsubscribe(*, person: Person, actor: str) -> bool:
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
    return bool(updated)
