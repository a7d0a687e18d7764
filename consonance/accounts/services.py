"""Writes for member accounts (P4, P11).

`vault_store` is the one write of personal data that is NOT audited, on purpose: P4 promises
that the coach cannot see whether the private fields changed, and an audit row would say so.
It stores only ciphertext the server cannot read; everything else here is audited as usual.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from consonance.accounts.models import PrivateVault
from consonance.audit.services import audit_append
from consonance.people.models import MemberProfile, Person

MAX_CIPHERTEXT = 64 * 1024  # base64 characters: private notes, not files
MIN_ITERATIONS = 100_000
USER_PREFIX = "member-"  # the opaque sign-in users (member_login_user)


class VaultInvalid(ValueError):
    pass


@dataclass(frozen=True)
class VaultData:
    salt: str
    iterations: int
    wrapped_key: str
    recovery_wrapped_key: str
    ciphertext: str


def _b64(value: object, name: str, *, minimum: int, maximum: int) -> str:
    if not isinstance(value, str) or not (minimum <= len(value) <= maximum):
        raise VaultInvalid(f"{name}: expected base64 of {minimum}-{maximum} characters")
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise VaultInvalid(f"{name}: not base64") from None
    return value


def vault_parse(data: object) -> VaultData:
    """Check what the browser sent: shapes and sizes only (the server cannot read the rest)."""
    if not isinstance(data, dict):
        raise VaultInvalid("expected a JSON object")
    iterations = data.get("iterations")
    if (
        not isinstance(iterations, int)
        or isinstance(iterations, bool)
        or not (MIN_ITERATIONS <= iterations <= 10_000_000)
    ):
        raise VaultInvalid(f"iterations: expected an integer of at least {MIN_ITERATIONS}")
    return VaultData(
        salt=_b64(data.get("salt"), "salt", minimum=16, maximum=64),
        iterations=iterations,
        wrapped_key=_b64(data.get("wrapped_key"), "wrapped_key", minimum=40, maximum=200),
        recovery_wrapped_key=_b64(
            data.get("recovery_wrapped_key"), "recovery_wrapped_key", minimum=40, maximum=200
        ),
        ciphertext=_b64(data.get("ciphertext"), "ciphertext", minimum=0, maximum=MAX_CIPHERTEXT),
    )


def member_login_user(*, person: Person | None) -> tuple[AbstractBaseUser, bool]:
    """The Django user she signs in as (allauth needs one), and whether she has a member account
    already. The user is hers when she has one, else a new opaque one (a random name, an unusable
    password, no address, no rights) that becomes hers only when she confirms the e-mailed code
    (`member_ensure`). Holds no personal data.

    The same queries whoever the address belongs to, so that the sign-in page's time does not
    tell (finding 4 of issue 21): the opaque user is made in every case, and one a member did
    not need is removed with the other unconfirmed ones (accounts-unused-sign-ins)."""
    # pk 0 is nobody's: the same statement for an unknown address as for a known one.
    person_id = person.pk if person is not None else 0
    profile = MemberProfile.objects.select_related("user").filter(person_id=person_id).first()
    user = get_user_model()(username=f"{USER_PREFIX}{secrets.token_hex(12)}")
    user.set_unusable_password()
    user.save()
    if profile is not None and profile.user is not None:
        return profile.user, True
    return user, profile is not None


def member_login_users_unused_delete(*, before: datetime) -> int:
    """The opaque users made for sign-ins whose code was never confirmed (no member account),
    made before `before`. They hold no personal data; this only keeps the table tidy."""
    return (
        get_user_model()
        .objects.filter(
            username__startswith=USER_PREFIX,
            member_profile__isnull=True,
            is_staff=False,
            is_superuser=False,
            date_joined__lt=before,
        )
        .delete()[0]
    )


def member_ensure(
    *, person: Person, actor: str, user: AbstractBaseUser | None = None
) -> MemberProfile:
    """Her member account, created on her first sign-in, and linked to the user she signed in as."""
    if user is not None and (user.is_staff or user.is_superuser):  # type: ignore[attr-defined]
        raise ValueError("a member account never belongs to a staff user")
    with transaction.atomic():
        profile, created = MemberProfile.objects.get_or_create(person=person)
        if created:
            audit_append(
                actor=actor,
                action="account.created",
                subject_id=person.pk,
                category="member_account",
            )
        updates: dict[str, object] = {}
        if profile.deletion_requested_at is not None:
            updates["deletion_requested_at"] = None
        if user is not None and profile.user_id != user.pk:
            updates["user"] = user
        if updates:
            MemberProfile.objects.filter(pk=profile.pk).update(**updates)
            profile.refresh_from_db()
    return profile


def vault_store(*, person: Person, data: VaultData) -> None:
    """Store her encrypted fields. Not audited and not logged: see the module's docstring."""
    PrivateVault.objects.update_or_create(
        person=person,
        defaults={
            "salt": data.salt,
            "iterations": data.iterations,
            "wrapped_key": data.wrapped_key,
            "recovery_wrapped_key": data.recovery_wrapped_key,
            "ciphertext": data.ciphertext,
        },
    )


def account_delete(*, person: Person, actor: str) -> None:
    """She deletes her account herself (P11): the private fields and the account go at once.
    Her bookings and orders stay under their own rules (P10, P14)."""
    with transaction.atomic():
        PrivateVault.objects.filter(person=person).delete()
        users = list(
            MemberProfile.objects.filter(person=person, user__isnull=False).values_list(
                "user_id", flat=True
            )
        )
        deleted = MemberProfile.objects.filter(person=person).delete()[0]
        get_user_model().objects.filter(pk__in=users, is_staff=False, is_superuser=False).delete()
        audit_append(
            actor=actor,
            action="account.deleted",
            subject_id=person.pk,
            category="member_account",
            detail={"accounts": deleted},
        )
