"""Whether an inbound message's `From:` is proven by a DKIM signature (RFC 6376) aligned with it.

Anyone can write any address in `From:`; only the domain's own mail server can sign with the key
its DNS publishes. A message counts as signed by its sender when one of its DKIM signatures
verifies and its signing domain (d=) is the From domain or a parent of it (relaxed alignment, as
DMARC has it: mail from `asa@mail.example.se` signed by `example.se`). Refused outright, whatever
the signatures say: more than one From header or address (which one would the coach see?), and a
signature with a body length (l=), under which anything may be appended to the text.

The public keys come from DNS through the function named by the setting CONSONANCE_DKIM_DNSFUNC:
dkimpy's resolver (real DNS) in production, a function holding the test key in the tests.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
from collections.abc import Callable
from email.utils import getaddresses, parseaddr

import dkim
from django.conf import settings
from django.utils.module_loading import import_string

from consonance.lib.keyring import derived_keys

log = logging.getLogger("consonance.mail.sender")

# The header every mail the site sends carries (the outbox and the newsletter's bulk sender): an
# HMAC of its Message-ID. A message in the coach's mailbox that carries a genuine one and comes
# from the site's own address is the site's own (a notice to her): never filed as a message.
SITE_MARK = "X-Consonance-Mail"
SITE_MARK_KEY = "mail-site-mark"

MAX_SIGNATURES = 5  # each costs a DNS lookup; a mail with more is odd, not more trustworthy


def _dnsfunc() -> Callable:
    configured = settings.CONSONANCE_DKIM_DNSFUNC
    return import_string(configured) if isinstance(configured, str) else configured


def _from_domain(headers: list[tuple[bytes, bytes]]) -> str | None:
    values = [value for name, value in headers if name.strip().lower() == b"from"]
    if len(values) != 1:
        return None
    addresses = getaddresses([values[0].decode("utf-8", "replace")])
    if len(addresses) != 1 or "@" not in addresses[0][1]:
        return None
    return addresses[0][1].rpartition("@")[2].strip().lower().rstrip(".")


def aligned(signing_domain: str, from_domain: str) -> bool:
    """d= is the From domain or one of its parents (never a bare top-level domain)."""
    signing_domain = signing_domain.lower().rstrip(".")
    if "." not in signing_domain:
        return False
    return from_domain == signing_domain or from_domain.endswith("." + signing_domain)


def dkim_aligned(raw: bytes) -> bool:
    """True when a DKIM signature of the message verifies and is aligned with its From domain."""
    try:
        message = dkim.DKIM(raw, timeout=5)
    except dkim.DKIMException:
        return False
    from_domain = _from_domain(message.headers)
    if not from_domain:
        return False
    signatures = [v for n, v in message.headers if n.strip().lower() == b"dkim-signature"]
    for index in range(min(len(signatures), MAX_SIGNATURES)):
        try:
            fields = dkim.util.parse_tag_value(signatures[index])
            domain = fields.get(b"d", b"").decode("ascii")
            if b"l" in fields or not aligned(domain, from_domain):
                continue
            if message.verify(idx=index, dnsfunc=_dnsfunc()):
                return True
        except Exception as error:  # whatever DNS or a broken signature throws
            # A key that cannot be fetched, a broken signature: not proven, and on to the next.
            log.info("DKIM signature %s not verified: %s", index, type(error).__name__)
    return False


def _mark_mac(key: bytes, message_id: str) -> str:
    # The id as a reader parses it (parse._ids): the first <...>, whatever surrounds it.
    found = re.search(r"<[^<>\s]+>", message_id)
    value = found.group(0) if found else message_id.strip()
    digest = hmac.new(key, value.encode(), hashlib.sha256).digest()
    return base64.b32encode(digest)[:26].decode().lower()


def site_mark(message_id: str) -> str:
    """The value of SITE_MARK for a message with this Message-ID."""
    return f"v1 {_mark_mac(derived_keys(SITE_MARK_KEY)[0], message_id)}"


def site_mark_mac(key: bytes, message_id: str) -> str:
    """site_mark's value after "v1 ", under `key` (derived_keys(SITE_MARK_KEY)[0], which a
    sender of many messages reads once)."""
    return _mark_mac(key, message_id)


def sent_by_site(*, from_address: str, message_id: str, mark: str) -> bool:
    """The message is one the site sent: its SITE_MARK is genuine for its Message-ID (under any
    master key in force) and it comes from the site's own address (DEFAULT_FROM_EMAIL). Both,
    since anyone can copy a header but not make one for a new Message-ID."""
    own = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].strip().lower()
    version, _sep, mac = mark.strip().partition(" ")
    if version != "v1" or not mac or not message_id or from_address.strip().lower() != own:
        return False
    return any(
        hmac.compare_digest(_mark_mac(key, message_id), mac.lower())
        for key in derived_keys(SITE_MARK_KEY)
    )
