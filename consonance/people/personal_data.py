from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from consonance.lib.text import normalise_email, normalise_name
from consonance.privacy.registry import Holding, PersonalModel, PersonalStore, Readable, Thing

# Session values that are credentials, not data about her: never in a copy of her data.
_SECRET_KEYS = re.compile(r"code|token|hash|secret|key", re.IGNORECASE)


def _decoded(data: str) -> dict:
    return SessionStore().decode(data)  # {} for a damaged or foreign-signed session


def sessions_naming(texts: set[str]) -> QuerySet:
    """Sessions whose data names her (a sign-in by code in progress keeps her address, and a new
    member's name, in the session until she confirms it). The data is signed and compressed, so
    every row is decoded, a few microseconds each: sessions last 8 hours at most and expired ones
    are deleted every hour (rule `sessions-expired`), so there are few; a site with very many
    would want an index of whom each session names instead."""
    keys = [
        key
        for key, data in Session.objects.values_list("session_key", "session_data").iterator()
        if any(
            t in json.dumps(_decoded(data), ensure_ascii=False, default=str).lower() for t in texts
        )
    ]
    return Session.objects.filter(session_key__in=keys)


def _without_secrets(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_secrets(v) for k, v in value.items() if not _SECRET_KEYS.search(k)}
    if isinstance(value, list):
        return [_without_secrets(v) for v in value]
    return value


def session_readable(data: str) -> dict:
    """Her copy of a session: what it holds, decoded, without codes and other credentials."""
    return _without_secrets(_decoded(data))


def sign_in_attempts_naming(model) -> Callable[[set[str]], QuerySet]:
    """django-axes rows whose typed user name (sometimes an e-mail address, a client's too) or
    recorded form data names her; the table is small (rows are deleted after 30 days)."""

    def find(texts: set[str]) -> QuerySet:
        query = Q(pk__in=[])
        for text in texts:
            query |= Q(username__icontains=text)
            if model is AccessAttempt:  # the only one that keeps the form (without passwords)
                query |= Q(post_data__icontains=text) | Q(get_data__icontains=text)
        return model.objects.filter(query)

    return find


def _sign_in_attempts(model, *, fields: tuple[str, ...], not_personal: tuple[str, ...]):
    return PersonalStore(
        f"axes.{model.__name__}",
        subject="",
        holdings=(
            Holding(
                "staff_sign_in",
                fields=("username", "ip_address", "user_agent", "http_accept", *fields),
                clocks={"sign_in_attempt": "attempt_time"},
            ),
        ),
        not_personal=("path_info", "attempt_time", *not_personal),
        things=(
            Thing(
                ngettext_lazy(
                    "%(count)d inloggningsförsök på personalsidorna",
                    "%(count)d inloggningsförsök på personalsidorna",
                    "count",
                )
            ),
        ),
        readable=Readable(
            heading=_("Inloggningsförsök på personalsidorna"),
            labels={"attempt_time": _("När"), "username": _("Användarnamn som skrevs")},
        ),
        find=sign_in_attempts_naming(model),
    )


PERSONAL_DATA = [
    PersonalModel(
        "people.Person",
        subject="",
        holdings=(
            Holding(
                "contact_details",
                fields=("email", "first_name", "last_name"),
                clocks={"last_contact": "last_contact_at"},
            ),
        ),
        identifiers=("email", "first_name", "last_name"),
        normalise={
            "email": normalise_email,
            "first_name": normalise_name,
            "last_name": normalise_name,
        },
        not_personal=(
            "language",
            "created_at",
            "last_contact_at",
            "last_consultation_at",
            "last_note_at",
            "journal_clock_at",
        ),
        readable=Readable(
            heading=_("Namn och e-postadress"),
            labels={
                "first_name": _("Förnamn"),
                "last_name": _("Efternamn"),
                "email": _("E-postadress"),
                "language": _("Språk"),
                "created_at": _("Först registrerad"),
                "last_contact_at": _("Senaste kontakt"),
                "last_consultation_at": _("Senaste konsultation"),
            },
            values={"language": {"sv": _("svenska"), "en": _("engelska")}},
        ),
    ),
    PersonalModel(
        "people.MemberProfile",
        subject="person",
        holdings=(
            Holding(
                "member_account",
                # That she has an account; her private fields are in accounts.PrivateVault,
                # encrypted in her browser (P4).
                fields=("created_at",),
                clocks={"account_deletion": "deletion_requested_at"},
            ),
        ),
        not_personal=("person", "user", "deletion_requested_at"),
        things=(Thing(ngettext_lazy("%(count)d konto", "%(count)d konton", "count")),),
        readable=Readable(
            heading=_("Ditt medlemskonto"),
            labels={"created_at": _("Skapat"), "deletion_requested_at": _("Radering begärd")},
        ),
    ),
]

PERSONAL_STORES = [
    PersonalStore(
        "sessions.Session",
        subject="",
        holdings=(
            Holding(
                "sign_in",
                fields=("session_data",),
                clocks={"session_expires": "expire_date"},
            ),
        ),
        not_personal=("expire_date",),
        things=(Thing(ngettext_lazy("%(count)d inloggning", "%(count)d inloggningar", "count")),),
        # The key is the browser's credential: no copy carries it.
        scrub={"session_key": lambda _value: "", "session_data": session_readable},
        readable=Readable(
            heading=_("Inloggning som pågår"), labels={"expire_date": _("Gäller till")}
        ),
        find=sessions_naming,
    ),
    # django-axes (staff sign-in throttling) keeps what was typed as the user name: deleted 30 days
    # after the attempt (rule staff-sign-in-30d), found and erased like any store.
    _sign_in_attempts(
        AccessAttempt,
        fields=("get_data", "post_data"),
        not_personal=("failures_since_start",),
    ),
    _sign_in_attempts(AccessLog, fields=(), not_personal=("logout_time", "session_hash")),
    _sign_in_attempts(AccessFailureLog, fields=(), not_personal=("locked_out",)),
]

NOT_PERSONAL = {
    "people.PersonKey": "key material only; deleting it erases the person's ciphertexts",
    "people.HoldKey": "key material only: a legal hold's key, destroyed when the hold ends",
    "people.StaffEnrolmentLink": "a staff account's one-time enrolment link: a hash and times",
}
