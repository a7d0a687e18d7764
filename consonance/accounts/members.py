"""Who is signed in as a member, and what a sign-in in progress remembers in her session.

Sign-in itself is django-allauth's login by code (adapter.py); a member is a signed-in user
linked to a MemberProfile, and never a staff user."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest

from consonance.people.models import MemberProfile, Person

PENDING_KEY = "account_pending"


@dataclass(frozen=True)
class Pending:
    """A requested sign-in: her address and, for a new member, her name (kept server-side in the
    session until the code is confirmed; nothing is created before)."""

    user_id: int
    email: str
    first_name: str
    last_name: str
    language: str
    person_id: int | None
    new: bool


def pending_set(request: HttpRequest, pending: Pending) -> None:
    request.session[PENDING_KEY] = pending.__dict__


def pending_get(request: HttpRequest) -> Pending:
    data = request.session.get(PENDING_KEY)
    if not isinstance(data, dict):
        raise LookupError("no sign-in in progress")
    return Pending(**data)


def pending_pop(request: HttpRequest) -> Pending | None:
    try:
        pending = pending_get(request)
    except (LookupError, TypeError):
        return None
    request.session.pop(PENDING_KEY, None)
    return pending


def session_member(request: HttpRequest) -> Person | None:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.is_staff or user.is_superuser:
        return None
    profile = MemberProfile.objects.select_related("person").filter(user=user).first()
    return profile.person if profile is not None else None
