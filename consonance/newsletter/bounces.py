"""Bounces and complaints (newsletter): a permanent delivery failure (RFC 3464 delivery status
notification) or a spam complaint (RFC 5965 feedback report) suppresses the address and ends the
subscription, so that nobody is mailed again who cannot or will not receive it.

`newsletter_feedback(raw)` takes one message as received (the mail ingestion, or `consonance
newsletter bounce FILE.eml`) and returns what it did; it never raises on a message it does not
understand (most mail in a bounce mailbox is something else).
"""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass, field
from email.message import Message

from django.db import transaction

from consonance.audit.services import SYSTEM, audit_append
from consonance.mail.outbox import mail_suppress
from consonance.newsletter.services import subscription_unsubscribe
from consonance.people.selectors import person_by_email


@dataclass
class Feedback:
    kind: str = ""  # "bounce" | "complaint" | "" (not a report we act on)
    addresses: list[str] = field(default_factory=list)
    suppressed: int = 0
    unsubscribed: int = 0


def _fields(part: Message) -> list[Message]:
    """The header blocks of a message/delivery-status or message/feedback-report part."""
    payload = part.get_payload()
    if isinstance(payload, list):
        return [p for p in payload if isinstance(p, Message)]
    text = payload if isinstance(payload, str) else ""
    blocks = [b for b in text.replace("\r\n", "\n").split("\n\n") if b.strip()]
    return [email.message_from_string(b + "\n") for b in blocks]


def _address(value: str | None) -> str:
    if not value:
        return ""
    _, _, address = value.partition(";")
    return (address or value).strip().strip("<>").lower()


def _parse(message: Message) -> tuple[str, list[str]]:
    if message.get_content_type() != "multipart/report":
        return "", []
    report = message.get_param("report-type") or ""
    for part in message.walk():
        kind = part.get_content_type()
        if report == "delivery-status" and kind == "message/delivery-status":
            found = [
                _address(block.get("Final-Recipient") or block.get("Original-Recipient"))
                for block in _fields(part)
                if (block.get("Action") or "").strip().lower() == "failed"
                and (block.get("Status") or "").strip().startswith("5")
            ]
            return "bounce", [a for a in found if "@" in a]
        if report == "feedback-report" and kind == "message/feedback-report":
            blocks = _fields(part)
            found = [_address(b.get("Original-Rcpt-To")) for b in blocks]
            return "complaint", [a for a in found if "@" in a]
    return "", []


def newsletter_feedback(raw: bytes) -> Feedback:
    kind, addresses = _parse(email.message_from_bytes(raw, policy=email.policy.compat32))
    result = Feedback(kind=kind, addresses=addresses)
    with transaction.atomic():
        for address in addresses:
            result.suppressed += mail_suppress(email=address, reason=kind)
            person = person_by_email(address)
            if person is not None:
                result.unsubscribed += subscription_unsubscribe(
                    person=person, actor=SYSTEM, method=kind
                )
        if addresses:
            audit_append(
                actor=SYSTEM,
                action=f"newsletter.{kind}",
                category="newsletter",
                detail={"addresses": len(addresses), "unsubscribed": result.unsubscribed},
            )
    return result
