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
    """A name (or a street address) as compared: trimmed, case-folded ("Åsa" and "ÅSA" and
    "åsa" are one), inner whitespace collapsed to one space."""
    return " ".join(name.casefold().split())


def normalise_phone(number: str) -> str:
    """A phone number as compared: its digits only ("+46 70-123 45 67" -> "46701234567")."""
    return "".join(c for c in number if c.isdigit())


def split_full_name(name: str) -> tuple[str, str]:
    """'Anna Maria Berg' -> ('Anna Maria', 'Berg'); a single word is a first name."""
    words = name.split()
    if len(words) < 2:
        return (name.strip()[:100], "")
    return (" ".join(words[:-1])[:100], words[-1][:100])


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
