"""Reads of newsletter subscriptions."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from consonance.people.models import Person
from consonance.rights.selectors import direct_marketing_objections, restrictions_in_force


def newsletter_recipients() -> QuerySet[Person]:
    """Everyone the newsletter may go to: a confirmed, active subscription, and neither a
    restriction of processing (P27) nor an objection to direct marketing (P28) in force.

    Any newsletter sending must take its recipients from here and nowhere else.
    """
    restricted = restrictions_in_force().filter(person=OuterRef("pk"))
    objected = direct_marketing_objections().filter(person=OuterRef("pk"))
    return (
        Person.objects.filter(
            subscription__confirmed_at__isnull=False,
            subscription__unsubscribed_at__isnull=True,
        )
        .exclude(Exists(restricted))
        .exclude(Exists(objected))
        .order_by("pk")
    )
