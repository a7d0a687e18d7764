"""What keeps a scripted flood out of the contact form without a third-party service.

Four checks, cheapest first, none of which needs anyone's data to leave the site:
1. a honeypot field that people never see and bots fill in;
2. a signed form token stamped when the page was shown: a person takes more than MIN_FILL_SECONDS
   to write a message, a script posting at once does not; each token carries a one-time number and
   is good for one message (a token used, or older than MAX_FORM_AGE, is renewed, with the text
   kept);
3. a proof-of-work challenge in the ALTCHA format (SHA-256; the `altcha` library signs and checks
   it, our own small script in static/contact/ solves it in the visitor's browser while she
   writes), each solution good for one message;
4. rate limits per IP address and per e-mail address, counted over keyed hashes of both.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from functools import cache

import altcha
from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone

from consonance.contact.models import Attempt, SpentChallenge
from consonance.lib.crypto import derive_key, parse_master_key
from consonance.lib.text import normalise_email

MIN_FILL_SECONDS = 3
# Long enough to write a considered message; a page left open longer gets a new token, text kept.
MAX_FORM_AGE = dt.timedelta(hours=2)
# 100 000 SHA-256 rounds at most, 50 000 on average: about 0.4 s of WebCrypto work, 0.9 s at
# worst (Node.js on the two-core reference machine, bench/contact.py; README "Benchmarks"), a few
# seconds in a phone's browser, done while she writes.
POW_MAX_NUMBER = 100_000
POW_LIFETIME = MAX_FORM_AGE
# (window, most messages in it): per IP address, and per e-mail address.
IP_LIMITS = ((dt.timedelta(hours=1), 5), (dt.timedelta(days=1), 20))
ADDRESS_LIMITS = ((dt.timedelta(hours=1), 3), (dt.timedelta(days=1), 10))
KEEP_ATTEMPTS = dt.timedelta(days=1)

_SALT = "consonance.contact.form"


@cache
def _key(master: str, purpose: str) -> bytes:
    return derive_key(parse_master_key(master), purpose)


def _hmac_key() -> bytes:
    return _key(settings.CONSONANCE_MASTER_KEY, "contact-pow")


def _hash(kind: str, value: str) -> str:
    key = _key(settings.CONSONANCE_MASTER_KEY, "contact-rate")
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


# --------------------------------------------------------------------------------------------
# Form token: when the form was shown
# --------------------------------------------------------------------------------------------


def form_token(now: dt.datetime | None = None) -> str:
    moment = now or timezone.now()
    return signing.dumps({"t": int(moment.timestamp()), "n": secrets.token_urlsafe(12)}, salt=_SALT)


@dataclass(frozen=True, slots=True)
class TokenCheck:
    ok: bool
    reason: str = ""  # "too_fast" | "expired" | "invalid" | "spent"
    nonce: str = ""


def _spent_key(nonce: str) -> str:
    return f"form:{nonce}"  # beside the spent challenges' signatures (hex), never one of them


def check_form_token(token: str, now: dt.datetime | None = None) -> TokenCheck:
    now = now or timezone.now()
    try:
        data = signing.loads(token, salt=_SALT)
        shown, nonce = int(data["t"]), str(data["n"])[:64]
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return TokenCheck(False, "invalid")
    age = now.timestamp() - shown
    if age < MIN_FILL_SECONDS:
        return TokenCheck(False, "too_fast")
    if age > MAX_FORM_AGE.total_seconds():
        return TokenCheck(False, "expired")
    if SpentChallenge.objects.filter(signature=_spent_key(nonce)).exists():
        return TokenCheck(False, "spent")
    return TokenCheck(True, nonce=nonce)


def form_token_spend(check: TokenCheck) -> bool:
    """True once for a checked token (the message it carries is accepted); False when another
    request spent it first."""
    return check.ok and _spend(_spent_key(check.nonce))


def _spend(key: str) -> bool:
    try:
        with transaction.atomic():
            SpentChallenge.objects.create(signature=key[:128])
    except IntegrityError:
        return False
    return True


# --------------------------------------------------------------------------------------------
# Proof of work (ALTCHA v1 format)
# --------------------------------------------------------------------------------------------


def challenge_json(now: dt.datetime | None = None) -> str:
    """A fresh, signed, expiring challenge as JSON, for the form's data-challenge attribute."""
    expires = (now or timezone.now()) + POW_LIFETIME
    challenge = altcha.create_challenge_v1(
        altcha.ChallengeOptionsV1(
            algorithm="SHA-256", max_number=POW_MAX_NUMBER, hmac_key=_hmac_key(), expires=expires
        )
    )
    return json.dumps(challenge.to_dict(), separators=(",", ":"))


def challenge_spend(payload: str) -> bool:
    """True once for a valid, unexpired solution; False when invalid, expired or used before."""
    if not payload or len(payload) > 2000:
        return False
    ok, _error = altcha.verify_solution_v1(payload, _hmac_key(), check_expires=True)
    if not ok:
        return False
    try:
        signature = json.loads(base64.b64decode(payload))["signature"]
    except (binascii.Error, ValueError, KeyError, TypeError):
        return False
    return _spend(str(signature))


# --------------------------------------------------------------------------------------------
# Rate limits
# --------------------------------------------------------------------------------------------


def _over(field: str, value: str, limits, now: dt.datetime) -> bool:
    longest = max(window for window, _ in limits)
    times = list(
        Attempt.objects.filter(**{field: value}, at__gt=now - longest).values_list("at", flat=True)
    )
    return any(sum(1 for t in times if t > now - window) >= most for window, most in limits)


def rate_limited(*, ip: str, email: str, now: dt.datetime | None = None) -> bool:
    """Whether one more message from this IP address or to this e-mail address is too many."""
    now = now or timezone.now()
    return _over("ip_hash", _hash("ip", ip), IP_LIMITS, now) or _over(
        "address_hash", _hash("email", normalise_email(email)), ADDRESS_LIMITS, now
    )


def attempt_record(*, ip: str, email: str, now: dt.datetime | None = None) -> None:
    Attempt.objects.create(
        ip_hash=_hash("ip", ip),
        address_hash=_hash("email", normalise_email(email)),
        at=now or timezone.now(),
    )


def protection_purge(now: dt.datetime | None = None) -> int:
    """Delete attempts and spent challenges past their use (the periodic job "contact-purge")."""
    now = now or timezone.now()
    attempts, _ = Attempt.objects.filter(at__lt=now - KEEP_ATTEMPTS).delete()
    spent, _ = SpentChallenge.objects.filter(at__lt=now - POW_LIFETIME - KEEP_ATTEMPTS).delete()
    return attempts + spent
