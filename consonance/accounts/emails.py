"""The member account's e-mails (through the outbox)."""

from __future__ import annotations

from consonance.lib.urls import absolute_reverse
from consonance.mail.outbox import mail_queue

# P20: every mail this app sends and its purpose, an id of the policy's [communication] list
# (privacy/mail_types.py; the outbox refuses a template not named here).
MAIL_TYPES = {
    "account_signin": "account",
}


def signin_email(*, to: str, code: str, language: str, new: bool, person_id: int | None) -> None:
    mail_queue(
        to=to,
        template="account_signin",
        context={"url": absolute_reverse("account_confirm_login_code"), "code": code, "new": new},
        language=language,
        person_id=person_id,
    )
