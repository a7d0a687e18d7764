"""Ten years ahead, every journal note, contact message and person of the demo data has gone or
is kept for a reason the report names (a legal hold, an agreement, a member account or a live
subscription): nothing stays "until further notice" (issue 17, item 5; P10, P15)."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.db.models import Q
from django.utils import timezone

from consonance.contact.models import Message
from consonance.journal.models import Note
from consonance.newsletter.models import Subscription
from consonance.people.models import MemberProfile, Person
from consonance.privacy.models import LegalHold, RetentionAgreement

pytestmark = pytest.mark.django_db(transaction=True)


def _dry_run(now: dt.datetime) -> dict:
    out = io.StringIO()
    call_command("retention", "run", "--dry-run", "--now", now.isoformat(), "--json", stdout=out)
    return json.loads(out.getvalue())


def _reasons(now: dt.datetime) -> dict[int, set[str]]:
    """Why each person may stay ten years on, read from the database (not from the engine)."""
    found: dict[int, set[str]] = {}

    def add(ids, reason: str) -> None:
        for pk in ids:
            found.setdefault(pk, set()).add(reason)

    add(
        MemberProfile.objects.filter(deletion_requested_at__isnull=True).values_list(
            "person_id", flat=True
        ),
        "member account (P11)",
    )
    add(
        Subscription.objects.filter(
            unsubscribed_at__isnull=True, stopped_at__isnull=True
        ).values_list("person_id", flat=True),
        "newsletter subscription (P12)",
    )
    add(
        Message.objects.filter(replied_at__isnull=True).values_list("person_id", flat=True),
        "a message waiting for the coach's reply (P17)",
    )
    today = timezone.localdate(now)
    add(
        LegalHold.objects.filter(lifted_at__isnull=True, person__isnull=False)
        .filter(Q(until__isnull=True) | Q(until__gte=today))
        .values_list("person_id", flat=True),
        "legal hold",
    )
    add(
        RetentionAgreement.objects.filter(ended_at__isnull=True, until__gte=today).values_list(
            "person_id", flat=True
        ),
        "agreement",
    )
    return found


def test_ten_years_ahead_nothing_of_the_demo_stays_without_a_reason(settings):
    settings.DEBUG = True  # the demo refuses to load in production
    call_command("demo", stdout=io.StringIO())
    before = (Person.objects.count(), Note.objects.count(), Message.objects.count())
    assert before[0] and before[1] and before[2]
    later = timezone.now() + dt.timedelta(days=3653)
    report = _dry_run(later)
    assert (Person.objects.count(), Note.objects.count(), Message.objects.count()) == before
    models = {(r["id"], m["model"]): m for r in report["rules"] for m in r["models"]}

    # Every journal note has a clock, and ten years on it has run out: all of them go.
    notes = models[("journal-2y", "journal.Note")]
    assert notes["matched"] == notes["deleted"] == before[1]

    # Contact messages: replied ones go; the rest wait for the coach's reply (her overview).
    waiting = Message.objects.filter(replied_at__isnull=True).count()
    messages = models[("messages-after-reply", "contact.Message")]
    assert messages["deleted"] + waiting == before[2]

    # Every person's clock has run out; whoever stays, stays for a reason of her own.
    people = models[("contact-details-2y", "people.Person")]
    assert people["matched"] == before[0]
    reasons = _reasons(later)
    kept = people["skipped_by_hold"] + people["skipped_by_agreement"] + people["skipped_by_unless"]
    assert people["deleted"] + kept == before[0]
    assert kept == len(reasons), reasons
    assert people["skipped_by_hold"] == 1  # the demo's legal hold
