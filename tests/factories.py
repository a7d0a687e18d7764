"""Shared personas, factories and helpers for the tests (the one module tests import set-up from)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time
from decimal import Decimal

from django.core import mail
from django.utils import timezone

from consonance.audit.services import SYSTEM
from consonance.booking.models import Booking, OpeningHours, PracticeSettings, Service
from consonance.consent.texts import NEWSLETTER, consent_text
from consonance.newsletter.services import subscription_create
from consonance.people.services import person_get_or_create
from consonance.privacy.policy import _cached

# Monday 16 March 2026, 08:00 UTC (09:00 in Stockholm): the next weeks cross the March DST change.
NOW = datetime(2026, 3, 16, 8, 0, tzinfo=UTC)
BANKGIRO = "5050-1055"


def make_practice(*, weekend: bool = False) -> tuple[Service, Service]:
    PracticeSettings.objects.update_or_create(
        pk=1,
        defaults={
            "buffer_minutes": 10,
            "step_minutes": 30,
            "notice_hours": 24,
            "horizon_days": 56,
            "hold_minutes": 15,
        },
    )
    days = range(7) if weekend else range(5)
    for weekday in days:
        OpeningHours.objects.get_or_create(weekday=weekday, start=time(9), end=time(17))
    video, _ = Service.objects.get_or_create(
        name_sv="Videokonsultation 50 min",
        defaults={
            "name_en": "Video consultation 50 min",
            "kind": Service.Kind.VIDEO,
            "duration_minutes": 50,
            "price": Decimal("900.00"),
            "vat_rate": Decimal("25.00"),
            "refund_full_hours": 24,
            "late_refund_percent": 0,
        },
    )
    email, _ = Service.objects.get_or_create(
        name_sv="E-postkonsultation",
        defaults={
            "name_en": "E-mail consultation",
            "kind": Service.Kind.EMAIL,
            "duration_minutes": 30,
            "price": Decimal("1500.00"),
            "refund_full_hours": 48,
        },
    )
    return video, email


def slot_links(html: str, service: Service) -> list[str]:
    return re.findall(rf'href="(/boka/{service.pk}/\d{{8}}T\d{{4}}Z/)[^"]*"', html)


def start_of(link: str) -> datetime:
    stamp = link.rstrip("/").rsplit("/", 1)[1]
    return datetime.strptime(stamp, "%Y%m%dT%H%MZ").replace(tzinfo=UTC)


def form(method: str, n: int = 1, **extra: str) -> dict[str, str]:
    return {
        "first_name": "Astrid",
        "last_name": "Lindqvist",
        "email": f"astrid{n}@example.se",
        "method": method,
        **extra,
    }


def active_bookings() -> int:
    return Booking.objects.filter(state__in=Booking.ACTIVE).count()


def sent_to(address: str) -> list:
    return [m for m in mail.outbox if address in m.to]


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
