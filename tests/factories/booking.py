"""The practice (services, opening hours) and the booking form, as the booking tests set them up."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time
from decimal import Decimal

from django.core import mail

from consonance.booking.models import Booking, OpeningHours, PracticeSettings, Service

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
