"""Links in newsletter e-mails.

- The sign-up confirmation link carries the sign-up itself (name, address, the consent text's
  hash, the time), *encrypted* (AES-GCM under a key derived from the master key), so that nothing
  is stored before she confirms and no personal data can be read from the URL. It expires after
  SIGNUP_MAX_AGE: an unconfirmed sign-up leaves nothing behind.
- The unsubscribe link carries her person id, signed; it does not expire (RFC 8058 asks that it
  keep working), and it only ever ends a subscription.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core import signing

from consonance.lib.sealed import SealExpired, seal, unseal

SIGNUP_MAX_AGE = 48 * 3600
_SIGNUP_PURPOSE = "newsletter-signup"
_UNSUBSCRIBE_SALT = "consonance.newsletter.unsubscribe"


@dataclass(frozen=True)
class Signup:
    email: str
    first_name: str
    last_name: str
    language: str
    text_hash: str
    issued_at: float


def signup_token(signup: Signup) -> str:
    return seal(
        _SIGNUP_PURPOSE,
        [signup.email, signup.first_name, signup.last_name, signup.language, signup.text_hash],
        now=signup.issued_at,
    )


TokenExpired = SealExpired


def signup_from_token(token: str, *, now: float | None = None) -> Signup | None:
    """The sign-up, None for a token that is not ours; TokenExpired when it is too old."""
    payload = unseal(_SIGNUP_PURPOSE, token, max_age=SIGNUP_MAX_AGE, now=now)
    if payload is None or len(payload) != 5 or not all(isinstance(v, str) for v in payload):
        return None
    email, first, last, language, text_hash = payload
    return Signup(email, first, last, language, text_hash, 0.0)


@lru_cache(maxsize=1)
def _signer(secret_key: str) -> signing.Signer:
    return signing.Signer(salt=_UNSUBSCRIBE_SALT)


def unsubscribe_signer() -> signing.Signer:
    """The signer of unsubscribe links, made once per SECRET_KEY (a newsletter signs thousands)."""
    return _signer(settings.SECRET_KEY)


def unsubscribe_token(person_id: int) -> str:
    return unsubscribe_signer().sign(str(person_id))


def person_id_from_unsubscribe(token: str) -> int | None:
    try:
        value = signing.Signer(salt=_UNSUBSCRIBE_SALT).unsign(token)
    except signing.BadSignature:
        return None
    return int(value) if value.isdigit() else None
