"""Demo part of member accounts: Sara Nyberg (people's demo) has an account."""

from __future__ import annotations

from consonance.accounts.services import member_ensure
from consonance.audit.services import SYSTEM
from consonance.people.selectors import person_by_email

MEMBER = "sara.nyberg@example.se"


def load(out) -> None:
    person = person_by_email(MEMBER)
    if person is not None:
        member_ensure(person=person, actor=SYSTEM)
    out.write(
        f"Member account: http://127.0.0.1:8000/konto/ as {MEMBER} (the sign-in code is "
        "printed by the console mailer); private fields at /konto/privat/. Cookie banner: "
        "add a [[cookies]] entry with necessary = false to the policy (policy/README.md), "
        'e.g. category = "media", script = "consent/example-embed.js".\n'
    )
