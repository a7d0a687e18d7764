"""Reads of newsletter subscriptions."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, QuerySet

from consonance.consent.selectors import consents_outdated
from consonance.consent.texts import NEWSLETTER, VERSIONS
from consonance.newsletter.models import NewsletterState, Subscription
from consonance.people.models import Person
from consonance.rights.selectors import direct_marketing_objections, restrictions_in_force


def newsletter_recipients() -> QuerySet[Person]:
    """Everyone the newsletter may go to: a confirmed, active subscription, and neither a
    restriction of processing (P27) nor an objection to direct marketing (P28) in force, and
    no consent given to an older material version of the consent text (asked again first).

    Any newsletter sending must take its recipients from here and nowhere else.
    """
    restricted = restrictions_in_force().filter(person=OuterRef("pk"))
    objected = direct_marketing_objections().filter(person=OuterRef("pk"))
    outdated = consents_outdated(NEWSLETTER, VERSIONS[NEWSLETTER]).filter(person=OuterRef("pk"))
    return (
        Person.objects.filter(
            subscription__confirmed_at__isnull=False,
            subscription__unsubscribed_at__isnull=True,
            subscription__stopped_at__isnull=True,
        )
        .exclude(Exists(restricted))
        .exclude(Exists(objected))
        .exclude(Exists(outdated))
        .order_by("pk")
    )


def subscribers_to_ask_again() -> QuerySet[Person]:
    """Confirmed subscribers whose consent was given to an older material version of the text."""
    outdated = consents_outdated(NEWSLETTER, VERSIONS[NEWSLETTER]).filter(person=OuterRef("pk"))
    return (
        Person.objects.filter(
            subscription__confirmed_at__isnull=False,
            subscription__unsubscribed_at__isnull=True,
            subscription__stopped_at__isnull=True,
        )
        .filter(Exists(outdated))
        .order_by("pk")
    )


def subscriber_counts() -> dict[str, int]:
    """What the coach sees: counts only."""
    active = Person.objects.filter(
        subscription__unsubscribed_at__isnull=True, subscription__stopped_at__isnull=True
    )
    return {
        "recipients": newsletter_recipients().count(),
        "unconfirmed": Subscription.objects.filter(
            unsubscribed_at=None, stopped_at=None, confirmed_at=None
        ).count(),
        "confirmed": active.filter(subscription__confirmed_at__isnull=False).count(),
        "unsubscribed": Person.objects.filter(subscription__unsubscribed_at__isnull=False).count(),
        "ask_again": subscribers_to_ask_again().count(),
    }


def newsletter_stopped_at() -> dt.datetime | None:
    """When the coach stopped the newsletter; None while it runs."""
    return NewsletterState.objects.filter(pk=1).values_list("stopped_at", flat=True).first()


def subscribers_to_tell_of_stop() -> QuerySet[Person]:
    """Those whose confirmed subscription the stop ended and who have not unsubscribed since:
    the notice goes to them (restrictions and objections aside, they are told their data goes)."""
    return Person.objects.filter(
        subscription__confirmed_at__isnull=False,
        subscription__unsubscribed_at__isnull=True,
        subscription__stopped_at__isnull=False,
    ).order_by("pk")
