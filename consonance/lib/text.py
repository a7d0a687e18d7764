"""Small text helpers shared by every layer."""

from __future__ import annotations

import re
from typing import Any

# An address in a text or in HTML: up to whitespace, a quote or an angle bracket.
_LINK = re.compile(r"""https?://[^\s<>"']+""", re.IGNORECASE)


def search_text(text: str, limit: int = 100) -> str:
    """What the coach typed into a search, without control characters (a NUL would break
    PostgreSQL's text), trimmed and bounded."""
    return "".join(c for c in text if c.isprintable()).strip()[:limit]


def normalise_email(address: str) -> str:
    """Lower-case and trimmed: addresses are compared exactly, never with iexact scans."""
    return address.strip().lower()


def normalise_name(name: str) -> str:
    """A name as compared: case-folded, with single spaces ("  Anna  Maria " = "anna maria")."""
    return " ".join(name.casefold().split())


def normalise_phone(phone: str) -> str:
    """A phone number as compared: its digits, a leading 0 for +46 ("+46 70-123" = "070123")."""
    digits = "".join(c for c in phone if c.isdigit())
    return "0" + digits[2:] if phone.strip().startswith("+46") else digits


def strip_links(value: Any, placeholder: str) -> Any:
    """`value` (a text, or lists and mappings of texts) with every web address replaced by
    `placeholder`: for copies of e-mails, whose links (signed cancel, reschedule, sign-in and
    unsubscribe links) act on the recipient's behalf."""
    if isinstance(value, str):
        return _LINK.sub(placeholder, value)
    if isinstance(value, list | tuple):
        return [strip_links(item, placeholder) for item in value]
    if isinstance(value, dict):
        return {key: strip_links(item, placeholder) for key, item in value.items()}
    return value
