"""Member accounts' background work: the sign-in code's mail, and removing sign-in users nobody
ever confirmed.

The sign-in page only queues the mail job (finding 4 of issue 21), for a known address and an
unknown one alike, the address and code sealed in its argument (lib/sealed.py); for an address
nobody may sign in with, the job carries no code and sends nothing. So the page does the same work
in the same time whoever the address belongs to."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.tasks import task
from django.utils import timezone

from consonance.accounts.emails import signin_email
from consonance.accounts.services import member_login_users_unused_delete
from consonance.lib.sealed import seal, unseal_fresh
from consonance.worker.schedule import Periodic

SIGNIN_MAIL = "accounts-signin-mail"


def signin_mail_later(
    *, to: str, code: str, language: str, new: bool, person_id: int | None
) -> None:
    """Queue the sign-in mail; `code` empty: nobody to sign in, the job sends nothing."""
    signin_mail_task.enqueue(seal(SIGNIN_MAIL, [to, code, language, new, person_id]))


@task()
def signin_mail_task(sealed: str) -> bool:
    payload = unseal_fresh(SIGNIN_MAIL, sealed, max_age=settings.ACCOUNT_LOGIN_BY_CODE_TIMEOUT)
    if payload is None or not payload[1]:
        return False
    to, code, language, new, person_id = payload
    signin_email(to=to, code=code, language=language, new=new, person_id=person_id)
    return True


PERIODIC = [
    Periodic(
        "accounts-unused-sign-ins",
        every=timedelta(hours=1),
        task="consonance.accounts.tasks.accounts_unused_sign_ins_task",
    ),
]


@task()
def accounts_unused_sign_ins_task() -> int:
    return member_login_users_unused_delete(before=timezone.now() - timedelta(days=1))
