"""Writes to campaigns: create, start (to every recipient, or a test copy to the coach)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from consonance.audit.services import audit_append
from consonance.mail.bulk import mail_bulk_purpose
from consonance.newsletter.models import Campaign, Delivery
from consonance.newsletter.selectors import newsletter_recipients, newsletter_stopped_at
from consonance.newsletter.sending import MAIL_TYPE
from consonance.newsletter.tasks import campaign_send_task


class CampaignInvalid(ValueError):
    pass


class NewsletterStopped(CampaignInvalid):
    """The coach stopped the newsletter: nothing new goes out until she restarts it."""


def _check(subject_sv: str, subject_en: str, body_sv: str, body_en: str) -> None:
    if not (body_sv.strip() or body_en.strip()):
        raise CampaignInvalid("a newsletter needs a text in Swedish or English")
    if (body_sv.strip() and not subject_sv.strip()) or (body_en.strip() and not subject_en.strip()):
        raise CampaignInvalid("each language with a text needs a subject")


def campaign_create(
    *, subject_sv: str = "", subject_en: str = "", body_sv: str = "", body_en: str = "", actor: str
) -> Campaign:
    _check(subject_sv, subject_en, body_sv, body_en)
    with transaction.atomic():
        campaign = Campaign.objects.create(
            subject_sv=subject_sv.strip(),
            subject_en=subject_en.strip(),
            body_sv=body_sv,
            body_en=body_en,
        )
        audit_append(
            actor=actor,
            action="newsletter.campaign_created",
            category="newsletter",
            detail={"campaign": campaign.pk},
        )
    return campaign


def _draft(campaign_id: int) -> Campaign:
    campaign = Campaign.objects.select_for_update().filter(pk=campaign_id, is_test=False).first()
    if campaign is None or campaign.is_notice or campaign.state != Campaign.State.DRAFT:
        raise CampaignInvalid("only a draft can be changed")
    return campaign


def campaign_update(
    *,
    campaign_id: int,
    subject_sv: str = "",
    subject_en: str = "",
    body_sv: str = "",
    body_en: str = "",
    actor: str,
) -> Campaign:
    """Change a draft's subjects and texts (a newsletter sent or being sent stays as it went)."""
    _check(subject_sv, subject_en, body_sv, body_en)
    with transaction.atomic():
        campaign = _draft(campaign_id)
        campaign.subject_sv, campaign.subject_en = subject_sv.strip(), subject_en.strip()
        campaign.body_sv, campaign.body_en = body_sv, body_en
        campaign.save(update_fields=["subject_sv", "subject_en", "body_sv", "body_en"])
        audit_append(
            actor=actor,
            action="newsletter.campaign_updated",
            category="newsletter",
            detail={"campaign": campaign.pk},
        )
    return campaign


def campaign_delete(*, campaign_id: int, actor: str) -> None:
    """Delete a draft (nothing was sent from it; its test copies stay as they were sent)."""
    with transaction.atomic():
        campaign = _draft(campaign_id)
        campaign.delete()
        audit_append(
            actor=actor,
            action="newsletter.campaign_deleted",
            category="newsletter",
            detail={"campaign": campaign_id},
        )


def _enqueue(campaign_id: int) -> None:
    campaign_send_task.enqueue(campaign_id)


def campaign_start(*, campaign: Campaign, actor: str, test: bool = False) -> Campaign:
    """Queue `campaign`: to every confirmed subscriber now, or (test) a copy to the coach alone.

    A test sends a separate copy of the campaign, so that the campaign itself stays a draft.
    Raises MailPurposeRefused when the policy does not list the newsletter's purpose (P20)."""
    mail_bulk_purpose(MAIL_TYPE)
    if newsletter_stopped_at() is not None:
        raise NewsletterStopped("the newsletter has stopped")
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if campaign.state != Campaign.State.DRAFT:
            raise CampaignInvalid("this newsletter has already been sent")
        if test:
            campaign = Campaign.objects.create(
                subject_sv=campaign.subject_sv,
                subject_en=campaign.subject_en,
                body_sv=campaign.body_sv,
                body_en=campaign.body_en,
                is_test=True,
            )
            Delivery.objects.create(campaign=campaign, person=None)
        else:
            Delivery.objects.bulk_create(
                (
                    Delivery(campaign=campaign, person_id=pk)
                    for pk in newsletter_recipients().values_list("pk", flat=True).iterator()
                ),
                batch_size=1000,
            )
        campaign.state = Campaign.State.SENDING
        campaign.started_at = timezone.now()
        campaign.save(update_fields=["state", "started_at"])
        audit_append(
            actor=actor,
            action="newsletter.campaign_started",
            category="newsletter",
            detail={
                "campaign": campaign.pk,
                "test": test,
                "recipients": campaign.deliveries.count(),
            },
        )
        pk = campaign.pk
        transaction.on_commit(lambda: _enqueue(pk), robust=True)
    return campaign


def notice_start(
    *, subjects: dict[str, str], bodies: dict[str, str], person_ids: list[int], actor: str
) -> Campaign:
    """Queue the notice that the newsletter stops to `person_ids`, through the same sender as
    every issue (resumable, one copy each, in her language). Call inside a transaction."""
    campaign = Campaign.objects.create(
        subject_sv=subjects["sv"],
        subject_en=subjects["en"],
        body_sv=bodies["sv"],
        body_en=bodies["en"],
        is_notice=True,
        state=Campaign.State.SENDING,
        started_at=timezone.now(),
    )
    Delivery.objects.bulk_create(
        (Delivery(campaign=campaign, person_id=pk) for pk in person_ids), batch_size=1000
    )
    audit_append(
        actor=actor,
        action="newsletter.campaign_started",
        category="newsletter",
        detail={"campaign": campaign.pk, "notice": True, "recipients": len(person_ids)},
    )
    pk = campaign.pk
    transaction.on_commit(lambda: _enqueue(pk), robust=True)
    return campaign
