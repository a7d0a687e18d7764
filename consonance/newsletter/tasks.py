"""The newsletter's background work: sending a campaign, resuming unfinished ones, and the
sign-up's confirmation mail.

The sign-up page only queues the confirmation job (finding 4 of issue 21), the sign-up sealed in
its argument (lib/sealed.py), so the page does the same work in the same time whether the address
is new, subscribed or suppressed; the outbox then mails it or, for a suppressed address, not."""

from __future__ import annotations

import time
from dataclasses import astuple
from datetime import timedelta

from django.tasks import task

from consonance.lib.sealed import seal, unseal_fresh
from consonance.newsletter.emails import signup_confirm_email
from consonance.newsletter.sending import campaign_deliver, campaigns_unfinished
from consonance.newsletter.tokens import SIGNUP_MAX_AGE, Signup
from consonance.worker.schedule import Periodic

SIGNUP_MAIL = "newsletter-signup-mail"


def signup_confirm_later(signup: Signup) -> None:
    signup_confirm_task.enqueue(seal(SIGNUP_MAIL, list(astuple(signup))[:5]))


@task()
def signup_confirm_task(sealed: str) -> bool:
    payload = unseal_fresh(SIGNUP_MAIL, sealed, max_age=SIGNUP_MAX_AGE)
    if payload is None:
        return False
    email, first_name, last_name, language, text_hash = payload
    signup_confirm_email(
        Signup(email, first_name, last_name, language, text_hash, issued_at=time.time())
    )
    return True


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
