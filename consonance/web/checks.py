"""Deployment rules as system checks (they run at every start-up: migrate, runserver, the worker).

consonance.E020  production (DEBUG off) with a CONSONANCE_SITE_URL that is not https, or that
                 points at this machine: every e-mailed link would lead nowhere
consonance.E021  CONSONANCE_BANKGIRO_NUMBER is malformed (length or check digit)
consonance.E022  CONSONANCE_VIDEO_LINK is not an http(s) address
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from consonance.booking.zoom import fixed_video_link
from consonance.payments.providers.config import bankgiro_number

LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", ""}  # IPs: below


def _is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES or host.lower().endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


@checks.register("consonance", deploy=False)
def check_site_url(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if settings.DEBUG:
        return []
    url = urlsplit(settings.SITE_URL)
    problems = []
    if url.scheme != "https":
        problems.append("it is not an https address")
    if _is_loopback(url.hostname or ""):
        problems.append("it points at this machine")
    if not problems:
        return []
    return [
        checks.Error(
            f"CONSONANCE_SITE_URL is {settings.SITE_URL!r}, but {' and '.join(problems)}: "
            "links in e-mails would not reach the site.",
            hint="Set CONSONANCE_SITE_URL to the public address, e.g. https://praktik.example.se.",
            id="consonance.E020",
        )
    ]


@checks.register("consonance")
def check_payment_and_video_settings(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    for reader, check_id in (
        (bankgiro_number, "consonance.E021"),
        (fixed_video_link, "consonance.E022"),
    ):
        try:
            reader()
        except ImproperlyConfigured as error:
            errors.append(checks.Error(str(error), id=check_id))
    return errors
