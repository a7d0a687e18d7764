"""The two languages of the site: Swedish first, English second."""

from __future__ import annotations

from django.utils.translation import get_language


def current_language() -> str:
    """'sv' or 'en', from the active translation (the URL prefix on public pages)."""
    return "en" if (get_language() or "sv").startswith("en") else "sv"
