"""The retention engine's own records: agreements that extend a period, legal holds, runs."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consonance.privacy.subject import SubjectId


class RetentionAgreement(models.Model):
    """ "Unless otherwise agreed" (P10, P15): the coach and one client agreed to keep her data
    under one retention rule until `until` (inclusive, Stockholm date). Ended early by `ended_at`.
    """

    person = SubjectId()  # people.Person, above privacy: her id, no foreign key (subject.py)
    person_id: int  # its column, as a foreign key's
    rule_id = models.CharField(_("regel"), max_length=64)
    until = models.DateField(_("gäller till och med"))
    reason = models.TextField(_("skäl"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["rule_id", "until"], name="privacy_agreement_rule_until")]


class LegalHold(models.Model):
    """Data that must stay for a legal claim: one person's (all, or one category), or a whole
    category. The engine leaves held rows alone until `until` (none: until the hold is lifted)."""

    person = SubjectId(null=True, blank=True)  # as RetentionAgreement.person; none: everyone
    person_id: int | None
    category = models.CharField(max_length=64, blank=True)  # "" = every category
    reason = models.TextField()
    until = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    lifted_at = models.DateTimeField(null=True, blank=True)


class RetentionRun(models.Model):
    """What one rule did in one run of the engine (one row per rule and run; counts only)."""

    run_id = models.CharField(max_length=32, db_index=True)
    rule_id = models.CharField(max_length=64)
    promise = models.CharField(max_length=8, blank=True)
    now = models.DateTimeField()  # the moment the rule was applied for (may be in the past)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    matched = models.PositiveIntegerField(default=0)
    deleted = models.PositiveIntegerField(default=0)
    anonymised = models.PositiveIntegerField(default=0)
    minimised = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    detail = models.JSONField(default=dict)  # per-model counts

    class Meta:
        indexes = [models.Index(fields=["started_at"], name="privacy_run_started")]


class HolidayPeriod(models.Model):
    """The practice is on holiday from `first_day` to `last_day` (inclusive, Stockholm dates).

    The reply deadlines (P16, P17) pause while it lasts and the site tells visitors (P17). It lives
    in the privacy core beside the policy's deadlines it extends, so that every app above can read
    it (see privacy/holidays.py). Holds nothing about people.
    """

    first_day = models.DateField(_("första dagen"))
    last_day = models.DateField(_("sista dagen"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("first_day", "pk")
        indexes = [models.Index(fields=["last_day"], name="privacy_holiday_last_day")]


class PracticeClosure(models.Model):
    """The practice closes on `closes_on` (a Stockholm date): one row at most, decided by the coach.

    It lives in the privacy core, like the holidays, so that booking and the newsletter (which
    close their doors while it is in force) can read it. `reopened_at` set: the decision was
    undone before the date; `carried_out_at` set: accounts and newsletter data are gone.
    Holds nothing about people.
    """

    closes_on = models.DateField()
    decided_at = models.DateTimeField(default=timezone.now)
    decided_by = models.CharField(max_length=64)  # an audit actor: "staff:3" or "system"
    reopened_at = models.DateTimeField(null=True, blank=True)
    carried_out_at = models.DateTimeField(null=True, blank=True)
