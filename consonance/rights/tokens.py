"""The identity check of the privacy center: a signed, expiring link bound to the person's state.

The token carries the person's id and a keyed hash of her address and creation time, signed with
a timestamp (django.core.signing): it expires after LINK_MAX_AGE, and stops working at once when
the address changes or the person is erased. The address itself is never in the link.
"""

from __future__ import annotations

from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac

from consonance.people.models import Person

SALT = "consonance.rights.link"
LINK_MAX_AGE = 30 * 60  # seconds the e-mailed link works
SESSION_MAX_AGE = 30 * 60  # seconds a privacy-center session lasts after following it


def person_state(person: Person) -> str:
    value = f"{person.pk}|{person.email}|{person.created_at.isoformat()}"
    return salted_hmac(SALT, value, algorithm="sha256").hexdigest()[:32]


def link_token(person: Person) -> str:
    return signing.TimestampSigner(salt=SALT).sign_object(
        {"p": person.pk, "s": person_state(person)}
    )


def person_from_token(token: str, *, max_age: int = LINK_MAX_AGE) -> Person | None:
    """The person the link was made for, or None if it is expired, tampered with or stale."""
    try:
        payload = signing.TimestampSigner(salt=SALT).unsign_object(token, max_age=max_age)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(payload, dict):
        return None
    pk = payload.get("p")
    person = Person.objects.filter(pk=pk).first() if pk is not None else None
    if person is None or not constant_time_compare(person_state(person), str(payload.get("s"))):
        return None
    return person
