"""The member account's e-mails (through the outbox)."""

from __future__ import annotations

from consonance.accounts.signin import signin_code
from consonance.lib.urls import absolute_reverse
from consonance.mail.outbox import mail_queue


def signin_email(*, to: str, token: str, language: str, new: bool, person_id: int | None) -> None:
    mail_queue(
        to=to,
        template="account_signin",
        context={
            "url": absolute_reverse("accounts:link", token),
            "code": signin_code(token),
            "new": new,
        },
        language=language,
        person_id=person_id,
    )
