"""The member account's e-mails (through the outbox)."""

from __future__ import annotations

from consonance.lib.urls import absolute_reverse
from consonance.mail.outbox import mail_queue


def signin_email(*, to: str, code: str, language: str, new: bool, person_id: int | None) -> None:
    mail_queue(
        to=to,
        template="account_signin",
        context={"url": absolute_reverse("account_confirm_login_code"), "code": code, "new": new},
        language=language,
        person_id=person_id,
    )
