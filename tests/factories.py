"""Shared personas, factories and helpers for the tests (the one module tests import set-up from)."""

from __future__ import annotations

import base64
import html as html_lib
import json
import re
from datetime import UTC, datetime, time
from decimal import Decimal

import altcha
from django.core import mail
from django.utils import timezone

from consonance.booking import hooks as booking_hooks
from consonance.booking.models import Booking, OpeningHours, PracticeSettings, Service
from consonance.journal.models import Consultation, ConsultationTerms
from consonance.people.models import Person

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
# Contact form (issue 9): a form post as a person's browser makes it, proof of work included.
# --------------------------------------------------------------------------------------------


def contact_page_fields(html: str) -> dict[str, str]:
    """The hidden token and the solved proof of work from a rendered contact page."""
    token = re.search(r'name="token" value="([^"]+)"', html)
    challenge = re.search(r'data-challenge="([^"]+)"', html)
    assert token and challenge, "the contact page must carry a form token and a challenge"
    data = json.loads(html_lib.unescape(challenge.group(1)))
    solution = altcha.solve_challenge_v1(
        data["challenge"], data["salt"], data["algorithm"], data["maxNumber"]
    )
    assert solution is not None
    payload = {
        "algorithm": data["algorithm"],
        "challenge": data["challenge"],
        "number": solution.number,
        "salt": data["salt"],
        "signature": data["signature"],
    }
    encoded = base64.b64encode(json.dumps(payload).encode()).decode()
    return {"token": html_lib.unescape(token.group(1)), "altcha": encoded}


def contact_form(n: int = 1, **extra: str) -> dict[str, str]:
    return {
        "name": "Karin Sjöberg",
        "email": f"karin{n}@example.se",
        "message": "Hej! Har du lediga tider i januari? Hälsningar Karin",
        "website": "",
        **extra,
    }


# -- journal and e-mail consultations (issue 9) ------------------------------------------------


def make_client(email: str = "asa@example.se", first: str = "Åsa", last: str = "Öberg"):
    person, _ = Person.objects.get_or_create(
        email=email, defaults={"first_name": first, "last_name": last}
    )
    return person


def make_email_consultation(person=None, *, exchanges: int = 3, days: int = 28):
    """A paid e-mail consultation, opened through the booking hook as payment would open it."""
    person = person or make_client()
    _video, email_service = make_practice()
    ConsultationTerms.objects.update_or_create(
        service=email_service, defaults={"exchanges": exchanges, "days": days}
    )
    booking = Booking.objects.create(
        service=email_service,
        person=person,
        state=Booking.State.CONFIRMED,
        confirmed_at=timezone.now(),
    )
    booking_hooks.booking_confirmed.emit(booking)
    return Consultation.objects.get(booking=booking)
