"""Absolute addresses for links that leave the site (e-mails, provider return URLs)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse


def absolute_url(path: str) -> str:
    """SITE_URL + a path that starts with '/'."""
    return settings.SITE_URL.rstrip("/") + path


def site_host() -> str:
    """The site's host name (for calendar UIDs and the like)."""
    return settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0] or "consonance"


def absolute_reverse(name: str, *args: Any) -> str:
    return absolute_url(reverse(name, args=list(args)))
