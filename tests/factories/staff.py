"""The coach's working day: confirmed bookings, her mail, commit callbacks, DKIM."""

from __future__ import annotations

import base64
import datetime as dt
from datetime import datetime
from decimal import Decimal

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core import mail

from consonance.audit.services import SYSTEM
from consonance.booking.models import Booking, Service
from consonance.payments.models import Order
from consonance.people.services import person_get_or_create
from tests.factories.booking import NOW

# -- the coach's working day (issue 11) -----------------------------------------------------------

STAFF_EMAIL = "coach@praktik.example"


def confirmed_booking(
    service: Service,
    starts_at: datetime | None,
    *,
    first: str = "Astrid",
    last: str = "Lindqvist",
    email: str = "astrid@example.se",
    method: str = Order.Method.CARD,
    paid: Decimal = Decimal("900.00"),
    join_url: str = "",
) -> Booking:
    """A confirmed, paid booking made directly in the database (no provider involved)."""
    person, _ = person_get_or_create(email=email, first_name=first, last_name=last, actor=SYSTEM)
    order = Order.objects.create(
        reference=f"CC-T{Order.objects.count() + 1:05d}",
        person=person,
        method=method,
        status=Order.Status.PAID,
        description=service.name_sv,
        amount=service.price,
        amount_paid=paid,
        payer_name=f"{first} {last}",
        payer_email=email,
        payment_ref="" if method == Order.Method.BANKGIRO else "pi_test",
    )
    return Booking.objects.create(
        service=service,
        person=person,
        order=order,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=service.duration_minutes) if starts_at else None,
        state=Booking.State.CONFIRMED,
        confirmed_at=NOW,
        join_url=join_url,
    )


def staff_mail() -> list:
    return [m for m in mail.outbox if STAFF_EMAIL in m.to]


@pytest.fixture
def run_after_commit(django_capture_on_commit_callbacks):
    """Run `action()` and then what it left for after the commit (e-mails, tasks)."""

    def run(action):
        with django_capture_on_commit_callbacks(execute=True):
            return action()

    return run


@pytest.fixture
def dkim_signing(settings):
    """A fresh RSA key configured for DKIM; returns `dns(domain, selector)`, a DNS lookup for
    dkimpy's verify(dnsfunc=...) that answers with its public key and records what was asked."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    settings.CONSONANCE_DKIM_PRIVATE_KEY = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = base64.b64encode(
        key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    asked: list[bytes] = []

    def dns(name: bytes, timeout: int = 5) -> bytes:
        asked.append(name)
        return b"v=DKIM1; k=rsa; p=" + public

    dns.asked = asked  # type: ignore[attr-defined]
    return dns
