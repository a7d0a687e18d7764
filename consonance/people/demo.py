"""Demo part of people: the coach's staff account and fictional clients."""

from __future__ import annotations

import base64
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from consonance.audit.services import SYSTEM
from consonance.people.models import MemberProfile, Person
from consonance.people.services import person_get_or_create

STAFF_USERNAME = "coach"
STAFF_PASSWORD = "consonance-demo"
# A fixed, published TOTP key: the demo account is for trying the product, never for real data.
STAFF_TOTP_KEY = "3132333435363738393031323334353637383930"

CLIENTS = [
    # email, first, last, language, days since last contact
    ("astrid.lindqvist@example.se", "Astrid", "Lindqvist", "sv", 3),
    ("johan.berg@example.se", "Johan", "Berg", "sv", 40),
    ("maria.santos@example.com", "Maria", "Santos", "en", 200),
    ("erik.holm@example.se", "Erik", "Holm", "sv", 800),  # past the two-year rule: P10
    ("sara.nyberg@example.se", "Sara", "Nyberg", "sv", 10),
]


def load(out) -> None:
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=STAFF_USERNAME, defaults={"is_staff": True, "is_superuser": True}
    )
    if created:
        user.set_password(STAFF_PASSWORD)
        user.save()
    TOTPDevice.objects.get_or_create(
        user=user, name="Demo authenticator", defaults={"key": STAFF_TOTP_KEY, "confirmed": True}
    )
    now = timezone.now()
    for email, first, last, language, days in CLIENTS:
        person, created = person_get_or_create(
            email=email, first_name=first, last_name=last, language=language, actor=SYSTEM
        )
        if created:
            Person.objects.filter(pk=person.pk).update(
                last_contact_at=now - timedelta(days=days),
                created_at=now - timedelta(days=days + 30),
            )
    sara = Person.objects.get(email="sara.nyberg@example.se")
    if not hasattr(sara, "member"):
        MemberProfile.objects.create(person=sara)
    secret = base64.b32encode(bytes.fromhex(STAFF_TOTP_KEY)).decode()
    out.write(
        f"Staff sign-in: http://127.0.0.1:8000/staff/  user {STAFF_USERNAME!r}, password "
        f"{STAFF_PASSWORD!r}.\n"
        f"Second factor: add the key {secret} to an authenticator app, or run "
        "`CONSONANCE_DEBUG=1 .venv/bin/consonance demo_code` for the current code (demo only)."
    )
