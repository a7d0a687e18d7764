"""Newsletter, consent and member accounts."""

from __future__ import annotations

import re

from django.utils import timezone

from consonance.audit.services import SYSTEM
from consonance.consent.texts import NEWSLETTER, consent_text
from consonance.newsletter.services import subscription_create
from consonance.people.services import person_get_or_create
from consonance.privacy.policy import _cached

# --------------------------------------------------------------------------------------------
# Newsletter, consent and member accounts (issue 10)
# --------------------------------------------------------------------------------------------


def subscriber(email: str, *, first: str = "Astrid", last: str = "Lind", language: str = "sv"):
    """A person with a confirmed newsletter subscription and its consent in the ledger."""
    person, _ = person_get_or_create(
        email=email, first_name=first, last_name=last, language=language, actor=SYSTEM
    )
    subscription_create(
        person=person,
        consent_given_at=timezone.now(),
        actor=SYSTEM,
        confirmed=True,
        shown=consent_text(NEWSLETTER, language),
        method="double_opt_in",
    )
    return person


def link_in(body: str, marker: str) -> str:
    """The path of the first link in a mail body whose path contains `marker`."""
    match = re.search(r"https?://[^/\s]+(\S*" + re.escape(marker) + r"\S*)", body)
    assert match, f"no link with {marker!r} in the mail"
    return match.group(1)


def member_code(body: str) -> str:
    """The six-digit sign-in code in a member account's e-mail (django-allauth's login by code)."""
    match = re.search(r"\b(\d{3}-?\d{3})\b", body)
    assert match, "no sign-in code in the mail"
    return match.group(1)


def optional_cookie_policy(policy_path, *, script: str = "consent/example-embed.js") -> None:
    """Configure one non-necessary cookie (category "media") in a policy copy."""
    with open(policy_path, "a", encoding="utf-8") as policy:
        policy.write(
            "\n[[cookies]]\n"
            'name = "example_embed"\n'
            "necessary = false\n"
            'category = "media"\n'
            f'script = "{script}"\n'
            'duration = "30 days"\n'
            'purpose.sv = "Visar inbäddade videor."\n'
            'purpose.en = "Shows embedded videos."\n'
        )
    _cached.cache_clear()
