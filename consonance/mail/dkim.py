"""DKIM signing (RFC 6376) of all outgoing mail (the outbox and newsletters) when a key is
configured (CONSONANCE_DKIM_*).

`SignedEmail` is an EmailMultiAlternatives whose MIME message, when serialised for sending,
starts with a DKIM-Signature header computed (dkimpy, relaxed/relaxed, rsa-sha256) over the exact
bytes that follow it, covering the From, To, Subject, Date, Message-ID and MIME headers and, on a
newsletter, List-Unsubscribe and List-Unsubscribe-Post (RFC 8058 §4 requires both be signed).
"""

from __future__ import annotations

import email.message
import email.policy
from dataclasses import dataclass
from functools import cache

import dkim
from django.conf import settings
from django.core.mail import EmailMultiAlternatives

SIGNED_HEADERS = (
    "From",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "MIME-Version",
    "Content-Type",
    "Content-Language",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
)


@dataclass(frozen=True)
class DKIMKey:
    selector: str
    domain: str
    private_key: bytes  # PEM


@cache
def _key(selector: str, domain: str, pem: str) -> DKIMKey:
    return DKIMKey(selector, domain, pem.encode())


def dkim_key() -> DKIMKey | None:
    pem = getattr(settings, "CONSONANCE_DKIM_PRIVATE_KEY", "") or ""
    selector = getattr(settings, "CONSONANCE_DKIM_SELECTOR", "") or ""
    if not pem or not selector:
        return None
    domain = (
        getattr(settings, "CONSONANCE_DKIM_DOMAIN", "")
        or settings.DEFAULT_FROM_EMAIL.rpartition("@")[2]
    )
    return _key(selector, domain, pem)


class _SignedMessage(email.message.EmailMessage):
    dkim_header: bytes = b""

    def as_bytes(self, unixfrom: bool = False, policy=None) -> bytes:  # type: ignore[override]
        return self.dkim_header + super().as_bytes(unixfrom, policy)


def dkim_sign(raw: bytes, key: DKIMKey) -> bytes:
    """The DKIM-Signature header line (with CRLF) for the message `raw`."""
    present = {
        line.split(b":", 1)[0].strip().lower()
        for line in raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
        if b":" in line and not line[:1].isspace()
    }
    include = [h.lower().encode() for h in SIGNED_HEADERS if h.lower().encode() in present]
    return dkim.sign(
        raw,
        key.selector.encode(),
        key.domain.encode(),
        key.private_key,
        canonicalize=(b"relaxed", b"relaxed"),
        include_headers=include,
        linesep=b"\r\n",
    )


class SignedEmail(EmailMultiAlternatives):
    """An e-mail signed with DKIM when a key is configured (otherwise a plain one)."""

    def message(self, *, policy=email.policy.default):
        msg = super().message(policy=policy)
        key = dkim_key()
        if key is None:
            return msg
        smtp_policy = msg.policy.clone(linesep="\r\n")
        raw = msg.as_bytes(policy=smtp_policy)
        header = dkim_sign(raw, key)
        msg.__class__ = _SignedMessage
        msg.policy = smtp_policy  # as_bytes() must give exactly the bytes that were signed
        msg.dkim_header = header  # type: ignore[attr-defined]
        return msg
