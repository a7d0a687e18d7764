"""The signed link on which a payer gives the account for a refund paid by hand.

The token carries the request's id and nonce only (no personal data), signed with a timestamp
(django.core.signing, as the booking links are): it expires after LINK_MAX_AGE, and dies at once
when the coach sends a new link (the nonce changes). Whether it was already used is the request's
own state (`received_at`).
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from enum import Enum

from django.core import signing

from consonance.payments.models import RefundAccount

SALT = "consonance.payments.refund_account"
LINK_MAX_AGE = 30 * 24 * 60 * 60  # seconds: a month to answer
LINK_DAYS = LINK_MAX_AGE // (24 * 60 * 60)
LINK_AGE = timedelta(seconds=LINK_MAX_AGE)


class LinkState(Enum):
    UNKNOWN = "unknown"  # forged, damaged, or replaced by a newer link
    EXPIRED = "expired"


def new_nonce() -> str:
    return secrets.token_hex(16)


def account_token(request: RefundAccount) -> str:
    return signing.TimestampSigner(salt=SALT).sign_object([request.pk, request.nonce])


def account_from_token(token: str) -> RefundAccount | LinkState:
    """The request the link was made for, or why there is none."""
    if not isinstance(token, str) or len(token) > 300:
        return LinkState.UNKNOWN
    signer = signing.TimestampSigner(salt=SALT)
    try:
        payload = signer.unsign_object(token, max_age=LINK_MAX_AGE)
    except signing.SignatureExpired:
        return LinkState.EXPIRED  # genuine (the signature is checked first), but too old
    except (signing.BadSignature, ValueError, TypeError, UnicodeError):
        return LinkState.UNKNOWN
    if not (isinstance(payload, list) and len(payload) == 2 and isinstance(payload[0], int)):
        return LinkState.UNKNOWN
    found = (
        RefundAccount.objects.select_related("refund__order", "person")
        .filter(pk=payload[0])
        .first()
    )
    if found is None or not secrets.compare_digest(found.nonce, str(payload[1])):
        return LinkState.UNKNOWN
    return found
