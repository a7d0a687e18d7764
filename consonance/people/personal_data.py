from __future__ import annotations

import json
import re
from typing import Any

from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

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
        not_personal=("language", "created_at", "last_contact_at", "last_consultation_at"),
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
]

NOT_PERSONAL = {
    "people.PersonKey": "key material only; deleting it erases the person's ciphertexts",
    "people.StaffEnrolmentLink": "a staff account's one-time enrolment link: a hash and times",
}
