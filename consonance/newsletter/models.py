from __future__ import annotations

from django.db import models
from django.utils import timezone

from consonance.lib.i18n import current_language


class Subscription(models.Model):
    """A newsletter subscription (P1, P12), confirmed by double opt-in."""

    person = models.OneToOneField(
        "people.Person", on_delete=models.CASCADE, related_name="subscription"
    )
    subscribed_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # When the coach stopped the newsletter while this subscription was held: it ended then, and
    # the P12 clock "from when the newsletter stops" runs from here (a new sign-up clears it).
    stopped_at = models.DateTimeField(null=True, blank=True, db_index=True)


class NewsletterState(models.Model):
    """The newsletter as such (one row, pk 1): running, or stopped since `stopped_at`."""

    stopped_at = models.DateTimeField(null=True, blank=True)


class Campaign(models.Model):
    """One newsletter issue: written by the coach (Markdown, Swedish and/or English), sent to
    every confirmed subscriber (or, as a test, to the coach alone). No personal data."""

    class State(models.TextChoices):
        DRAFT = "draft", "draft"
        SENDING = "sending", "sending"
        SENT = "sent", "sent"

    subject_sv = models.CharField(max_length=200, blank=True)
    subject_en = models.CharField(max_length=200, blank=True)
    body_sv = models.TextField(blank=True)  # Markdown
    body_en = models.TextField(blank=True)
    is_test = models.BooleanField(default=False)
    # The notice that the newsletter stops, to those whose subscription the stop ended.
    is_notice = models.BooleanField(default=False)
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The sending worker's lease ("host:pid") and until when it holds: one sender at a time;
    # another may take over when it lapses or when that process is gone.
    lease_owner = models.CharField(max_length=100, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:  # its subject, in the reader's language (as in her export)
        if current_language() == "en" and self.subject_en:
            return self.subject_en
        return self.subject_sv or self.subject_en


class Delivery(models.Model):
    """The send record of one campaign to one recipient: created when the campaign starts,
    marked sent right after the SMTP server accepted that message. A restarted sender resumes
    with the rows not yet sent, so nobody is skipped or sent twice."""

    class State(models.TextChoices):
        PENDING = "pending", "pending"
        SENT = "sent", "sent"
        SKIPPED = "skipped", "skipped"  # suppressed, unsubscribed or restricted meanwhile
        FAILED = "failed", "failed"  # refused permanently by the SMTP server

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="deliveries")
    # Null only for a test send to the coach (her own address, not a subscriber).
    person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="newsletter_deliveries",
    )
    state = models.CharField(
        max_length=10, choices=State.choices, default=State.PENDING, db_index=True
    )
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "person"], name="newsletter_one_delivery")
        ]
        indexes = [models.Index(fields=["campaign", "state"], name="newsletter_delivery_todo")]
