"""Sending many messages over one reused SMTP connection (newsletters).

The transactional outbox (outbox.py) sends one message per task; a newsletter to thousands of
subscribers instead opens one connection and sends each message over it, with the same
rendering conventions, Message-IDs, suppression list and DKIM signing. The caller keeps its own
per-recipient send record (see newsletter.sending) so that a restart resumes where it stopped.
"""

from __future__ import annotations

import smtplib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.mail import mailers, make_msgid

from consonance.mail.dkim import SignedEmail
from consonance.mail.models import Suppression
from consonance.mail.outbox import _check_headers, address_hash

__all__ = ["BulkRefused", "mail_bulk_connection", "mail_bulk_message", "mail_suppressed_among"]


class BulkRefused(Exception):
    """The SMTP server refused this one message for good (e.g. 550 for the recipient)."""


@contextmanager
def mail_bulk_connection() -> Iterator:
    connection = mailers.default
    connection.open()
    try:
        yield connection
    finally:
        connection.close()


def mail_bulk_message(
    *,
    to: str,
    subject: str,
    text: str,
    html: str = "",
    headers: dict[str, str] | None = None,
    language: str = "sv",
) -> SignedEmail:
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or None
    message = SignedEmail(
        subject=subject,
        body=text,
        to=[to],
        headers={
            **_check_headers(headers or {}),
            "Message-ID": make_msgid(domain=domain),
            "Content-Language": language,
        },
    )
    if html:
        message.attach_alternative(html, "text/html")
    return message


def mail_bulk_send(connection, message: SignedEmail) -> None:
    """Send one message over an open connection. Raises BulkRefused for a permanent refusal of
    this message; any other error (connection lost, temporary refusal) propagates."""
    try:
        connection.send_messages([message])
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _ in error.recipients.values()]
        if codes and min(codes) >= 500:
            raise BulkRefused(str(min(codes))) from None
        raise
    except ValueError as error:  # an address the backend cannot encode
        raise BulkRefused(type(error).__name__) from None


def mail_suppressed_among(addresses: Iterable[str]) -> set[str]:
    """Which of these addresses are on the suppression list (one query)."""
    by_hash = {address_hash(a): a for a in addresses}
    found = Suppression.objects.filter(address_hash__in=list(by_hash)).values_list(
        "address_hash", flat=True
    )
    return {by_hash[h] for h in found}
