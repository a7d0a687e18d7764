"""Deployment rules as system checks (they run at every start-up: migrate, runserver, the worker).

consonance.E020  production (DEBUG off) with a CONSONANCE_SITE_URL that is not https, or that
                 points at this machine: every e-mailed link would lead nowhere
consonance.E021  CONSONANCE_BANKGIRO_NUMBER is malformed (length or check digit)
consonance.E022  CONSONANCE_VIDEO_LINK is not an http(s) address
consonance.E023  CONSONANCE_ORGANISATION_NUMBER or CONSONANCE_VAT_NUMBER fails its check digit
                 (python-stdnum), or the VAT number is not the one made from the organisation
                 number (settings.py refuses both at start-up already; this says it by id)

Only under `consonance check --deploy` (what breaks real use; issue 12):
consonance.E030  the SMTP server cannot be reached: no e-mail would leave
consonance.E031  no backup in the last 48 hours
consonance.E032  the master key is missing or is the published development key
consonance.E033  a staff account's password is the demo's published one (`consonance demo`)
consonance.W034  HTTPS comes through a proxy but CONSONANCE_TRUSTED_PROXIES is empty: every visitor
                 would have the proxy's address (rate limits and sign-in lockouts shared by all)
consonance.W036  CONSONANCE_KEY_BACKUP_DAYS is not shorter than the policy's backup window
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError

from consonance.booking.zoom import fixed_video_link
from consonance.lib.company_ids import seller_ids_problem
from consonance.operations.backup_files import backup_times
from consonance.payments.providers.config import bankgiro_number
from consonance.people.demo import STAFF_PASSWORD as DEMO_STAFF_PASSWORD
from consonance.privacy.policy import get_policy

BACKUP_MAX_AGE = dt.timedelta(hours=48)
DEV_MASTER_KEY = "ZGV2LW9ubHktbWFzdGVyLWtleS0zMi1ieXRlcyEhISE="

LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", ""}  # IPs: below


def _address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address a host written as numbers stands for, in every spelling a resolver accepts:
    127.0.0.1, and also 127.1, 0x7f.1, 2130706433 (inet_aton's forms) or [::ffff:127.0.0.1]."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except (OSError, ValueError):  # a name, not numbers
            return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _is_loopback(host: str) -> bool:
    host = host.lower().rstrip(".")
    if host in LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    address = _address(host)
    return address is not None and (address.is_loopback or address.is_unspecified)


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
    seller = seller_ids_problem(settings.SELLER_ORGANISATION_NUMBER, settings.SELLER_VAT_NUMBER)
    if seller:
        errors.append(checks.Error(seller, id="consonance.E023"))
    return errors


def _smtp_problem() -> str | None:
    mailer = settings.MAILERS.get("default", {})
    if not str(mailer.get("BACKEND", "")).endswith("smtp.EmailBackend"):
        return f"mail goes to {mailer.get('BACKEND')}, not to an SMTP server"
    options: dict = dict(mailer.get("OPTIONS") or {})  # type: ignore[call-overload]
    host, port = str(options.get("host", "localhost")), int(options.get("port", 25))
    try:
        with socket.create_connection((host, port), timeout=5) as conn:
            greeting = conn.recv(3)
    except OSError as error:
        return f"{host}:{port} cannot be reached ({error.strerror or error})"
    if greeting != b"220":
        return f"{host}:{port} does not greet as an SMTP server"
    return None


def _published_passwords() -> list[checks.CheckMessage]:
    """consonance.E033: a staff account that signs in with the demo's published password (a
    database that began as a demo, or the password chosen again by hand)."""
    try:
        staff = list(get_user_model().objects.filter(is_staff=True, is_active=True))
    except DatabaseError:  # checked before `migrate`: no table, no account
        return []
    return [
        checks.Error(
            f"The staff account {user.get_username()!r} has the demo's published password.",
            hint="Change it (`consonance changepassword USERNAME`), or delete the account.",
            id="consonance.E033",
        )
        for user in staff
        if user.check_password(DEMO_STAFF_PASSWORD)
    ]


@checks.register("consonance", deploy=True)
def check_real_use(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    problems: list[checks.CheckMessage] = []
    smtp = _smtp_problem()
    if smtp:
        problems.append(
            checks.Error(
                f"No e-mail would leave the site: {smtp}.",
                hint="Set CONSONANCE_SMTP_HOST, _PORT, _USER, _PASSWORD (README, Configuration).",
                id="consonance.E030",
            )
        )
    times = backup_times()
    if not times or times[-1] < dt.datetime.now(dt.UTC) - BACKUP_MAX_AGE:
        last = times[-1].isoformat(timespec="minutes") if times else "never"
        problems.append(
            checks.Error(
                f"No backup in the last 48 hours in {settings.BACKUP_DIR} (last: {last}).",
                hint="Run the worker (it backs up daily) or `consonance backup`.",
                id="consonance.E031",
            )
        )
    if not settings.CONSONANCE_MASTER_KEY or settings.CONSONANCE_MASTER_KEY == DEV_MASTER_KEY:
        problems.append(
            checks.Error(
                "CONSONANCE_MASTER_KEY is missing or is the published development key.",
                hint="Create one (README, Configuration) and keep a copy apart from the backups.",
                id="consonance.E032",
            )
        )
    problems.extend(_published_passwords())
    # A site address that is not https: consonance.E020, which every start-up in production runs.
    if (
        getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
        and not settings.CONSONANCE_TRUSTED_PROXIES
    ):
        problems.append(
            checks.Warning(
                "CONSONANCE_TRUSTED_PROXIES is empty: behind a proxy every visitor has the "
                "proxy's address, so rate limits and sign-in lockouts would be shared by all.",
                hint="Set it to the proxy's address, e.g. 127.0.0.1 for Caddy on this machine.",
                id="consonance.W034",
            )
        )
    problems.extend(_key_backups_outlive_data())
    return problems


def _key_backups_outlive_data() -> list[checks.CheckMessage]:
    """Person keys are kept apart from the data backups for a few days only, so that an erased
    person's destroyed key leaves every copy long before the backups do (issue 19)."""
    now = dt.datetime.now(dt.UTC)
    window = get_policy().backup_retention.after(now) - now
    if dt.timedelta(days=settings.KEY_BACKUP_DAYS) < window:
        return []
    return [
        checks.Warning(
            f"CONSONANCE_KEY_BACKUP_DAYS ({settings.KEY_BACKUP_DAYS}) is not shorter than the "
            "policy's backup window: an erased person's key would stay in the key backups as "
            "long as her data stays in the backups, and her receipt's promise would be empty.",
            hint="Keep it at a few days (the default is 3).",
            id="consonance.W036",
        )
    ]
