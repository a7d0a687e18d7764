"""Sending a campaign: per-recipient send records, batches over one reused SMTP connection, and a
lease so that one sender works on a campaign at a time and a restarted one resumes.

Guarantee: each recipient's Delivery row goes from pending to sent once the SMTP server has
accepted her message (250 after the content), and that mark is committed before the next
window's content is handed over (marks.py; a window is CONSONANCE_NEWSLETTER_WINDOW messages,
16 by default). A sender killed at any point leaves the recipients it had not finished as
pending, and the next sender sends exactly those. What remains is the window: a kill after the
server accepted messages whose marks were not yet committed means those recipients (at most the
window's messages, with a window of 1 only the one on the wire) get the issue twice; we prefer
that to anyone missing it silently. No SMTP client can close it entirely: it cannot know whether
a message the server had not yet answered was accepted (tests/test_newsletter_sending.py kills a
sender at random points and checks exactly this).

Speed: when the server offers PIPELINING the messages go through mail.bulk.BulkPipeline (one
round trip per message instead of four); otherwise one at a time with mail_bulk_send.
"""

from __future__ import annotations

import logging
import os
import smtplib
import socket
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr
from functools import lru_cache

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone, translation

from consonance.audit.services import SYSTEM, audit_append
from consonance.lib.urls import absolute_reverse
from consonance.mail.bulk import (
    REFUSED,
    BulkMessage,
    BulkRefused,
    BulkTemplate,
    mail_bulk_connection,
    mail_bulk_pipeline,
    mail_bulk_purpose,
    mail_bulk_send,
    mail_suppressed_among,
)
from consonance.newsletter.marks import Marks, fast_commits
from consonance.newsletter.models import Campaign, Delivery
from consonance.newsletter.render import UNSUBSCRIBE, edition
from consonance.newsletter.selectors import newsletter_recipients, subscribers_to_tell_of_stop
from consonance.newsletter.tokens import unsubscribe_signer
from consonance.people.selectors import identities_read

log = logging.getLogger("consonance.newsletter")

BATCH_SIZE = 500
MAIL_TYPE = "newsletter_issue"  # declared in emails.py MAIL_TYPES with its purpose (P20)
LEASE = timedelta(seconds=60)
RENEW_EVERY = 10.0  # seconds
D = Delivery.State


@dataclass(frozen=True)
class Progress:
    total: int
    sent: int
    pending: int
    skipped: int
    failed: int


_PROGRESS = {
    "total": Count("pk"),
    "sent": Count("pk", filter=Q(state=D.SENT)),
    "pending": Count("pk", filter=Q(state=D.PENDING)),
    "skipped": Count("pk", filter=Q(state=D.SKIPPED)),
    "failed": Count("pk", filter=Q(state=D.FAILED)),
}


def campaign_progress(campaign: Campaign) -> Progress:
    return Progress(**campaign.deliveries.aggregate(**_PROGRESS))


def campaigns_progress(campaigns: list[Campaign]) -> dict[int, Progress]:
    """campaign_progress for many at once (the coach's list): one grouped query, not one each."""
    rows = (
        Delivery.objects.filter(campaign__in=campaigns)
        .values("campaign_id")
        .annotate(**_PROGRESS)
        .values_list("campaign_id", *_PROGRESS)
        .order_by()
    )
    found = {campaign_id: Progress(*counts) for campaign_id, *counts in rows}
    empty = Progress(total=0, sent=0, pending=0, skipped=0, failed=0)
    return {c.pk: found.get(c.pk, empty) for c in campaigns}


def _owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _owner_gone(owner: str) -> bool:
    """The lease holder is a process on this machine that no longer runs."""
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _lease_take(campaign_id: int, owner: str, now: datetime) -> bool:
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
        free = (
            not campaign.lease_owner
            or campaign.lease_owner == owner
            or campaign.lease_until is None
            or campaign.lease_until < now
            or _owner_gone(campaign.lease_owner)
        )
        if not free:
            return False
        campaign.lease_owner = owner
        campaign.lease_until = now + LEASE
        campaign.save(update_fields=["lease_owner", "lease_until"])
    return True


class LeaseLost(Exception):
    """Another sender took the campaign over (this one was too slow to renew its lease)."""


class _Lease:
    """Renewed at least every RENEW_EVERY, whatever the batch size or the SMTP server's speed,
    so that it never lapses while this sender is alive and working."""

    def __init__(self, campaign_id: int, owner: str) -> None:
        self.campaign_id, self.owner, self.renewed = campaign_id, owner, time.monotonic()

    def keep(self) -> None:
        if time.monotonic() - self.renewed < RENEW_EVERY:
            return
        renewed = Campaign.objects.filter(pk=self.campaign_id, lease_owner=self.owner).update(
            lease_until=timezone.now() + LEASE
        )
        if not renewed:
            raise LeaseLost(self.campaign_id)
        self.renewed = time.monotonic()


def _lease_release(campaign_id: int, owner: str) -> None:
    Campaign.objects.filter(pk=campaign_id, lease_owner=owner).update(
        lease_owner="", lease_until=None
    )


_TOKEN = "TOKEN"


@lru_cache(maxsize=4)
def _list_id(from_email: str) -> str:
    return f"<newsletter.{parseaddr(from_email)[1].rpartition('@')[2]}>"


@lru_cache(maxsize=16)
def _links(language: str, site_url: str) -> tuple[str, str]:
    """(unsubscribe URL with TOKEN in place of her token, sign-up URL) in `language`."""
    with translation.override(language):
        return (
            absolute_reverse("newsletter:unsubscribe", _TOKEN),
            absolute_reverse("newsletter:signup"),
        )


def _to(delivery: Delivery) -> str:
    person = delivery.person
    return settings.CONSONANCE_STAFF_EMAIL if person is None else person.email


def _template(campaign: Campaign, language: str, *, coach: bool) -> BulkTemplate:
    """The campaign's copy in `language` with UNSUBSCRIBE where each recipient's own link goes
    (in the text, the HTML and List-Unsubscribe), rendered once per campaign and language;
    `coach`: her test copy, with the sign-up link and no one to unsubscribe."""
    issue = edition(campaign, language)
    headers = {"List-Id": _list_id(settings.DEFAULT_FROM_EMAIL)}
    if not coach:
        headers["List-Unsubscribe"] = f"<{UNSUBSCRIBE}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return BulkTemplate(
        subject=f"[Test] {issue.subject}" if campaign.is_test else issue.subject,
        text=issue.text,
        html=issue.html,
        headers=headers,
        language=issue.language,
        mail_type=MAIL_TYPE,
        placeholder=UNSUBSCRIBE,
    )


Templates = dict[tuple[str, bool], BulkTemplate]


def _copy(campaign: Campaign, templates: Templates, delivery: Delivery) -> tuple[BulkTemplate, str]:
    """Her copy: the template in her language and her own link (signed: each copy costs only
    her token and the parts of the message that hold it)."""
    person = delivery.person
    language = person.language if person is not None else "sv"
    key = (language, person is None)
    template = templates.get(key)
    if template is None:
        template = templates[key] = _template(campaign, language, coach=person is None)
    unsubscribe, signup = _links(template.language, settings.SITE_URL)
    if person is None:
        return template, signup
    return template, unsubscribe.replace(_TOKEN, unsubscribe_signer().sign(str(person.pk)))


def _message(campaign: Campaign, templates: Templates, delivery: Delivery) -> BulkMessage:
    """Her copy as a BulkMessage (for a server without PIPELINING, or another mail backend)."""
    template, url = _copy(campaign, templates, delivery)
    return template.message(_to(delivery), url)


def _batch(campaign: Campaign, batch_size: int) -> list[Delivery]:
    return list(
        campaign.deliveries.filter(state=D.PENDING)
        .select_related("person")
        .order_by("pk")[:batch_size]
    )


def _allowed(campaign: Campaign, batch: list[Delivery]) -> set[int | None]:
    """Who in the batch may still get it: the coach's test copy, and subscribers who are still
    recipients (not unsubscribed, restricted or objecting since the start) and not suppressed;
    for the notice that the newsletter stops, those it ended and who have not unsubscribed since."""
    # Their addresses are encrypted under their keys: read for the whole batch in one query.
    people = identities_read([d.person for d in batch if d.person is not None])
    allowed: set[int | None] = {None}
    if people:
        ids = {p.pk for p in people}
        who = subscribers_to_tell_of_stop() if campaign.is_notice else newsletter_recipients()
        allowed |= set(who.filter(pk__in=ids).values_list("pk", flat=True))
        suppressed = mail_suppressed_among(p.email for p in people)
        allowed -= {p.pk for p in people if p.email in suppressed}
    return allowed


def _send_one(
    smtp, campaign: Campaign, templates: Templates, delivery: Delivery, allowed: set, marks: Marks
) -> str:
    if delivery.person_id not in allowed:
        return D.SKIPPED
    try:
        # The previous recipients' records are committed before this message is handed over.
        mail_bulk_send(smtp, _message(campaign, templates, delivery), before_data=marks.flush)
    except BulkRefused:
        return D.FAILED
    return D.SENT


def campaign_deliver(campaign_id: int, *, batch_size: int = BATCH_SIZE) -> str:
    """Send what is pending of a campaign; returns "done", "busy" (another sender holds it),
    "interrupted" (the SMTP server went away; the rest waits for the next run) or "nothing"."""
    mail_bulk_purpose(MAIL_TYPE)  # P20: refused before anything is taken or sent
    owner = _owner()
    campaign = Campaign.objects.filter(pk=campaign_id, state=Campaign.State.SENDING).first()
    if campaign is None:
        return "nothing"
    if not _lease_take(campaign_id, owner, timezone.now()):
        return "busy"
    templates: Templates = {}
    marks = Marks()
    lease = _Lease(campaign_id, owner)

    def record(delivery_id, outcome: str) -> None:
        marks.mark(delivery_id, D.FAILED if outcome == REFUSED else D.SENT)

    try:
        with fast_commits(), mail_bulk_connection() as smtp:
            pipeline = mail_bulk_pipeline(smtp, record=record, before_content=marks.before_content)
            while True:
                if pipeline is not None:
                    pipeline.finish()
                marks.flush()  # every outcome recorded before the next batch is read
                batch = _batch(campaign, batch_size)
                if not batch:
                    break
                allowed = _allowed(campaign, batch)
                for delivery in batch:
                    lease.keep()
                    if pipeline is None:
                        outcome = _send_one(smtp, campaign, templates, delivery, allowed, marks)
                        marks.mark(delivery.pk, outcome)
                    elif delivery.person_id not in allowed:
                        marks.mark(delivery.pk, D.SKIPPED)
                    else:
                        template, url = _copy(campaign, templates, delivery)
                        pipeline.send_copy(delivery.pk, _to(delivery), template, url)
    except LeaseLost:
        marks.flush()
        log.warning("campaign %s: another sender took over", campaign_id)
        return "busy"
    except (smtplib.SMTPException, OSError) as error:
        marks.flush()
        log.warning("campaign %s interrupted: %s", campaign_id, type(error).__name__)
        _lease_release(campaign_id, owner)
        return "interrupted"
    marks.flush()
    _finish(campaign)
    _lease_release(campaign_id, owner)
    return "done"


def _finish(campaign: Campaign) -> None:
    with transaction.atomic():
        updated = Campaign.objects.filter(pk=campaign.pk, state=Campaign.State.SENDING).update(
            state=Campaign.State.SENT, finished_at=timezone.now()
        )
        if updated:
            progress = campaign_progress(campaign)
            audit_append(
                actor=SYSTEM,
                action="newsletter.campaign_sent",
                category="newsletter",
                detail={
                    "campaign": campaign.pk,
                    "sent": progress.sent,
                    "skipped": progress.skipped,
                    "failed": progress.failed,
                },
            )
            log.info("campaign %s sent: %s", campaign.pk, progress)


def campaigns_unfinished() -> list[int]:
    return list(
        Campaign.objects.filter(state=Campaign.State.SENDING)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
