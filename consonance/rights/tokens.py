"""The identity check of the privacy center: a signed, expiring link bound to the person's state.

The token carries the person's id, a keyed hash of her address and creation time, and when it was
made, signed with a timestamp (django.core.signing): it expires after LINK_MAX_AGE, stops working
at once when the address changes or the person is erased, and works once (services.rights_link_use:
a sign-in after it was made spends it). The address itself is never in the link, and the token
rides in the URL's fragment (`/mina-uppgifter/in/#token`), which browsers never send to a server:
the page posts it, so it stands in no access log.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac

from consonance.lib.sealed import SealExpired, seal, unseal
from consonance.people.models import Person

SALT = "consonance.rights.link"
LINK_MAX_AGE = 30 * 60  # seconds the e-mailed link works
SESSION_MAX_AGE = 30 * 60  # seconds a privacy-center session lasts after following it


def person_state(person: Person) -> str:
    value = f"{person.pk}|{person.email}|{person.created_at.isoformat()}"
    return salted_hmac(SALT, value, algorithm="sha256").hexdigest()[:32]


def link_token(person: Person) -> str:
    return signing.TimestampSigner(salt=SALT).sign_object(
        {"p": person.pk, "s": person_state(person), "t": time.time()}
    )


@dataclass(frozen=True)
class Link:
    person: Person
    issued_at: float  # Unix time the link was made


def link_from_token(token: str, *, max_age: int = LINK_MAX_AGE) -> Link | None:
    """The person the link was made for and when, or None if it is expired, tampered with or
    stale. Whether it was already used is services.rights_link_use's question."""
    if not isinstance(token, str) or len(token) > 500:
        return None
    try:
        payload = signing.TimestampSigner(salt=SALT).unsign_object(token, max_age=max_age)
    except (signing.BadSignature, ValueError, TypeError, UnicodeError):
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("t"), float):
        return None
    pk = payload.get("p")
    if not isinstance(pk, int):
        return None
    person = Person.objects.filter(pk=pk).first()
    if person is None or not constant_time_compare(person_state(person), str(payload.get("s"))):
        return None
    return Link(person, payload["t"])


ADDRESS_PURPOSE = "rights-address-change"


def address_token(person: Person, new_email: str) -> str:
    """The link that confirms a change of address, mailed to the new address. Sealed (AES-GCM,
    lib/sealed.py), not merely signed: the new address rides in it and must not be readable from
    the URL. It stops working once the address changed (her state moves with it)."""
    return seal(ADDRESS_PURPOSE, [person.pk, person_state(person), new_email])


def _address_payload(token: str, max_age: int) -> tuple[int, str, str] | None:
    if not isinstance(token, str) or len(token) > 1000:
        return None
    try:
        payload = unseal(ADDRESS_PURPOSE, token, max_age=max_age)
    except SealExpired:
        return None
    if not isinstance(payload, list) or len(payload) != 3:
        return None
    pk, state, new_email = payload
    if not isinstance(pk, int) or not isinstance(state, str) or not isinstance(new_email, str):
        return None
    return pk, state, new_email


def address_token_open(token: str) -> tuple[int, str] | None:
    """Whose change of address to which address a genuine token offers, expired or not."""
    found = _address_payload(token, max_age=2**31)
    return (found[0], found[2]) if found else None


def address_from_token(token: str) -> tuple[Person, str] | None:
    found = _address_payload(token, max_age=LINK_MAX_AGE)
    if found is None:
        return None
    pk, state, new_email = found
    person = Person.objects.filter(pk=pk).first()
    if person is None or not constant_time_compare(person_state(person), state):
        return None
    return person, new_email
