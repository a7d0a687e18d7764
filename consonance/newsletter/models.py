from __future__ import annotations

from django.db import models
from django.utils import timezone


class Subscription(models.Model):
    """A newsletter subscription (P1, P12), confirmed by double opt-in."""

    person = models.OneToOneField(
        "people.Person", on_delete=models.CASCADE, related_name="subscription"
    )
    subscribed_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True, db_index=True)
