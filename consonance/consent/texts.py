"""The wordings that ask for consent, and their material versions.

The ledger stores, for each consent, the hash of the exact text shown (ConsentText). A wording
change that does not change what someone agrees to (a typo) keeps `VERSIONS[purpose]`; a change
that matters bumps it, and everyone whose consent is for an older version must consent again
before it counts (the newsletter stops going to them until they do).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext as _

from consonance.privacy.policy import Cookie, get_policy

NEWSLETTER = "newsletter"
REPLY = "reply"
COOKIES = "cookies:"  # + category, e.g. "cookies:media"

#: The material version of each consent text. Bump it when a change matters.
VERSIONS: dict[str, int] = {NEWSLETTER: 1, REPLY: 1}
COOKIE_VERSION = 1


@dataclass(frozen=True, slots=True)
class ShownText:
    purpose: str
    language: str
    text: str
    version: int

    @property
    def text_hash(self) -> str:
        return text_hash(self.purpose, self.language, self.text)


def text_hash(purpose: str, language: str, text: str) -> str:
    return hashlib.sha256(f"{purpose}\n{language}\n{text}".encode()).hexdigest()


def _newsletter_text() -> str:
    return _(
        "Ja, jag vill få nyhetsbrevet via e-post. Jag kan avsluta när som helst, med en länk i "
        "varje brev eller under Mina uppgifter."
    )


def _reply_text() -> str:
    return _("Jag samtycker till att du svarar mig via e-post.")


def consent_text(purpose: str, language: str) -> ShownText:
    """The text shown for `purpose` in `language`, as rendered now."""
    with translation.override(language):
        if purpose == NEWSLETTER:
            return ShownText(purpose, language, _newsletter_text(), VERSIONS[NEWSLETTER])
        if purpose == REPLY:
            return ShownText(purpose, language, _reply_text(), VERSIONS[REPLY])
        if purpose.startswith(COOKIES):
            category = purpose.removeprefix(COOKIES)
            cookies = [c for c in optional_cookies() if c.category == category]
            if not cookies:
                raise ValueError(f"no non-necessary cookie of category {category!r}")
            lines = [f"{c.name}: {c.purpose.get(language)}" for c in cookies]
            return ShownText(purpose, language, "\n".join(lines), COOKIE_VERSION)
    raise ValueError(f"unknown consent purpose {purpose!r}")


def optional_cookies() -> list[Cookie]:
    """The non-necessary cookies the policy configures (P21); empty means: no banner at all."""
    return [c for c in get_policy().cookies if not c.necessary]


def cookie_categories() -> list[str]:
    seen: list[str] = []
    for cookie in optional_cookies():
        if cookie.category not in seen:
            seen.append(cookie.category)
    return seen
