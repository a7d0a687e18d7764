"""Cookie consent (P21): what the policy configures, what this browser chose, what may load.

The choice lives in the necessary cookie `consonance_consent` ("<visitor>.<category>=1|0..."),
where <visitor> is a random id that links the browser's choices in the ledger and nothing else.
A Global Privacy Control signal (`Sec-GPC: 1`, or `navigator.globalPrivacyControl` in the
browser, see static/consent/consent.js) counts as a refusal of every category.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from consonance.consent.texts import COOKIES, cookie_categories, optional_cookies

COOKIE_NAME = "consonance_consent"
COOKIE_AGE = 365 * 24 * 3600
_VALUE = re.compile(r"^([0-9a-f]{32})((?:\.[a-z][a-z0-9_]{0,30}=[01])*)$")


@dataclass(frozen=True)
class CookieState:
    categories: list[str]
    visitor: str
    choices: dict[str, bool]
    gpc: bool
    scripts: list[tuple[str, str]] = field(default_factory=list)  # (category, static path)

    @property
    def configured(self) -> bool:
        return bool(self.categories)

    @property
    def show_banner(self) -> bool:
        """Ask only when something non-necessary exists, no choice is made and no GPC."""
        return (
            self.configured and not self.gpc and any(c not in self.choices for c in self.categories)
        )

    def allowed(self, category: str) -> bool:
        return not self.gpc and self.choices.get(category, False)


def gpc_header(request: HttpRequest) -> bool:
    return request.headers.get("Sec-GPC", "").strip() == "1"


def parse_cookie(value: str | None) -> tuple[str, dict[str, bool]]:
    match = _VALUE.match(value or "")
    if not match:
        return "", {}
    choices = {}
    for part in match.group(2).split(".")[1:]:
        name, _, flag = part.partition("=")
        choices[name] = flag == "1"
    return match.group(1), choices


def cookie_state(request: HttpRequest) -> CookieState:
    categories = cookie_categories()
    visitor, choices = parse_cookie(request.COOKIES.get(COOKIE_NAME))
    choices = {c: v for c, v in choices.items() if c in categories}
    gpc = gpc_header(request)
    state = CookieState(categories, visitor, choices, gpc)
    scripts = [
        (c.category, c.script) for c in optional_cookies() if c.script and state.allowed(c.category)
    ]
    return CookieState(categories, visitor, choices, gpc, scripts)


def new_visitor() -> str:
    return secrets.token_hex(16)


def set_choice_cookie(response: HttpResponse, visitor: str, choices: dict[str, bool]) -> None:
    value = visitor + "".join(f".{c}={int(v)}" for c, v in sorted(choices.items()))
    response.set_cookie(
        COOKIE_NAME,
        value,
        max_age=COOKIE_AGE,
        samesite="Lax",
        httponly=True,
        secure=settings.SESSION_COOKIE_SECURE,
    )


def purpose(category: str) -> str:
    return COOKIES + category
