"""Password-less sign-in for members: an e-mailed link (a page with a button, since mail
scanners open links) or the six-digit code in the same e-mail, typed in the same browser.

The link is a sealed token (lib.sealed: the address cannot be read from it) valid for
LINK_MAX_AGE; the code is derived from that token, so it works only in the browser that asked
(its session holds the token) and only MAX_TRIES times.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from django.conf import settings
from django.http import HttpRequest
from django.utils.crypto import constant_time_compare

from consonance.lib.sealed import seal, unseal
from consonance.people.models import Person
from consonance.rights.tokens import person_state

PURPOSE = "account-signin"
LINK_MAX_AGE = 20 * 60
SESSION_KEY = "account"
PENDING_KEY = "account_pending"
SESSION_MAX_AGE = 8 * 3600
MAX_TRIES = 5


def signin_token(*, email: str, first_name: str, last_name: str, language: str) -> str:
    return seal(PURPOSE, [email, first_name, last_name, language])


def signin_from_token(token: str) -> list[str] | None:
    """[email, first_name, last_name, language]; None when invalid; raises SealExpired."""
    payload = unseal(PURPOSE, token, max_age=LINK_MAX_AGE)
    if payload is None or len(payload) != 4 or not all(isinstance(v, str) for v in payload):
        return None
    return payload


def signin_code(token: str) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), f"{PURPOSE}:{token}".encode(), hashlib.sha256)
    return f"{int.from_bytes(digest.digest()[:8], 'big') % 1_000_000:06d}"


def pending_set(request: HttpRequest, token: str) -> None:
    request.session[PENDING_KEY] = {"t": token, "tries": 0}


def pending_check(request: HttpRequest, code: str) -> str | None:
    """The pending token when `code` matches it; counts tries and forgets after MAX_TRIES."""
    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict) or not isinstance(pending.get("t"), str):
        return None
    pending["tries"] = int(pending.get("tries", 0)) + 1
    if pending["tries"] > MAX_TRIES:
        request.session.pop(PENDING_KEY, None)
        return None
    request.session[PENDING_KEY] = pending
    if constant_time_compare(signin_code(pending["t"]), code.strip().replace(" ", "")):
        request.session.pop(PENDING_KEY, None)
        return pending["t"]
    return None


def session_signin(request: HttpRequest, person: Person) -> None:
    request.session.cycle_key()  # a new session id at sign-in (session fixation)
    request.session[SESSION_KEY] = {
        "p": person.pk,
        "s": person_state(person),
        "until": time.time() + SESSION_MAX_AGE,
    }


def session_member(request: HttpRequest) -> Person | None:
    data = request.session.get(SESSION_KEY)
    if not isinstance(data, dict) or data.get("until", 0) < time.time():
        return None
    pk = data.get("p")
    if not isinstance(pk, int):
        return None
    person = Person.objects.filter(pk=pk, member__isnull=False).first()
    if person is None or person_state(person) != data.get("s"):
        request.session.pop(SESSION_KEY, None)
        return None
    return person


def session_signout(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)
