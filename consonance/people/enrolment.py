"""One-time enrolment links for staff authenticators (issue 21, finding 13).

A staff account without an authenticator cannot enrol one with its password alone: whoever knows
the password would become the account. Enrolment needs a link made by a signed-in staff member
(/staff/people/accounts/) or on the server (`consonance staff enrol-link USERNAME`). The link's secret is
random and travels only in the link; the database keeps its SHA-256. A link works once, for
ENROL_LINK_HOURS; making a new one for the same account retires the older ones.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from consonance.audit.services import audit_append
from consonance.people.models import StaffEnrolmentLink

ENROL_LINK_HOURS = 24
SESSION_KEY = "staff_enrol_link"


class EnrolLinkRefused(Exception):
    """No link for this account: the message says why, for the command line and the page."""


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def has_authenticator(user: AbstractBaseUser) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def staff_without_authenticator() -> list[AbstractBaseUser]:
    """Active staff accounts that cannot sign in yet: the ones an enrolment link is for."""
    enrolled = TOTPDevice.objects.filter(confirmed=True).values("user_id")
    return list(
        get_user_model()
        .objects.filter(is_staff=True, is_active=True)
        .exclude(pk__in=enrolled)
        .order_by("username")
    )


@transaction.atomic
def enrol_link_create(*, username: str, actor: str) -> str:
    """A new link (an absolute https address) for the staff account `username`."""
    user = get_user_model().objects.filter(username=username).first()
    if user is None or not user.is_staff or not user.is_active:
        raise EnrolLinkRefused(f"{username}: no active staff account has this user name")
    if has_authenticator(user):
        raise EnrolLinkRefused(
            f"{username}: already has an authenticator (to enrol a new phone, delete the old "
            "device in /admin/otp_totp/totpdevice/ first)"
        )
    now = timezone.now()
    StaffEnrolmentLink.objects.filter(user=user, used_at__isnull=True).delete()
    secret = secrets.token_urlsafe(32)
    StaffEnrolmentLink.objects.create(
        user=user,
        secret_hash=_hash(secret),
        created_by=actor,
        created_at=now,
        expires_at=now + timedelta(hours=ENROL_LINK_HOURS),
    )
    audit_append(actor=actor, action="staff.enrol_link_created", detail={"user_id": user.pk})
    path = reverse("staff:enrol-link", kwargs={"secret": secret})
    return settings.SITE_URL.rstrip("/") + path


def enrol_link_valid(secret: str) -> StaffEnrolmentLink | None:
    """The unused, unexpired link with this secret, or None."""
    return StaffEnrolmentLink.objects.filter(
        secret_hash=_hash(secret), used_at__isnull=True, expires_at__gt=timezone.now()
    ).first()


def enrol_link_for(user: AbstractBaseUser, link_id: int | None) -> StaffEnrolmentLink | None:
    """The link a session brought, if it is still good and is this account's."""
    if link_id is None:
        return None
    return StaffEnrolmentLink.objects.filter(
        pk=link_id, user_id=user.pk, used_at__isnull=True, expires_at__gt=timezone.now()
    ).first()


def enrol_link_use(link: StaffEnrolmentLink) -> bool:
    """Spend the link; False when another request spent it first."""
    return bool(
        StaffEnrolmentLink.objects.filter(pk=link.pk, used_at__isnull=True).update(
            used_at=timezone.now()
        )
    )
