"""The newsletter's background work: sending a campaign, resuming unfinished ones."""

from __future__ import annotations

from datetime import timedelta

from django.tasks import task

from consonance.newsletter.sending import campaign_deliver, campaigns_unfinished
from consonance.worker.schedule import Periodic

PERIODIC = [
    Periodic(
        "newsletter-resume",
        every=timedelta(minutes=1),
        task="consonance.newsletter.tasks.newsletter_resume_task",
    ),
]


@task()
def campaign_send_task(campaign_id: int) -> str:
    return campaign_deliver(campaign_id)


def newsletter_resume() -> dict[int, str]:
    """Go on with every campaign still sending (after a crash, a restart or an SMTP outage)."""
    return {pk: campaign_deliver(pk) for pk in campaigns_unfinished()}


@task()
def newsletter_resume_task() -> dict[str, str]:
    return {str(k): v for k, v in newsletter_resume().items()}
