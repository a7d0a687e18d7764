"""Sending many messages over one reused SMTP connection (newsletters).

The transactional outbox (outbox.py) sends one message per task; a newsletter to thousands of
subscribers instead opens one connection and sends each message over it, with the same
conventions: Message-IDs from our domain, the suppression list, DKIM signing when configured.
The caller keeps its own per-recipient send record (see newsletter.sending) so that a restart
resumes where it stopped.

Speed: over SMTP each message is written directly as it goes on the wire (mail/wire.py; a
newsletter's copies from one `BulkTemplate` per campaign and language); any other mail backend
(the console in development, memory in tests) gets an ordinary EmailMessage.

Round trips: smtplib's sendmail waits for the server four times per message (MAIL, RCPT, DATA,
the content). When the server offers PIPELINING (RFC 2920; Postfix and every common MTA do),
`BulkPipeline` sends each message's content in the same write as the next message's MAIL, RCPT
and DATA, and reads the four answers together: one round trip per message, and the next copy is
built while the server is still taking the previous one.
"""

from __future__ import annotations

import smtplib
import socket
import time
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.mail import mailers, make_msgid

from consonance.mail.dkim import SignedEmail
from consonance.mail.models import Suppression
from consonance.mail.outbox import _check_headers, address_hash
from consonance.mail.sender import SITE_MARK, site_mark
from consonance.mail.wire import (
    BulkMessage,
    BulkTemplate,
    _domain,
    _sender,
    _wire_address,
    _wire_bytes,
    _wire_headers,
)
from consonance.privacy.mail_types import MailPurposeRefused, mail_purpose
from consonance.privacy.policy import get_policy

__all__ = [
    "BulkMessage",
    "BulkPipeline",
    "BulkRefused",
    "BulkTemplate",
    "MailPurposeRefused",
    "mail_bulk_bytes",
    "mail_bulk_connection",
    "mail_bulk_pipeline",
    "mail_bulk_purpose",
    "mail_bulk_send",
    "mail_suppressed_among",
]


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


def mail_bulk_bytes(message: BulkMessage) -> bytes | None:
    """The message as it goes on the wire (CRLF, DKIM-signed when configured), or None when the
    recipient address needs encoding that only the full email package does (non-ASCII)."""
    headers = _wire_headers(message)
    return None if headers is None else _wire_bytes(message, headers)


def _email(message: BulkMessage) -> SignedEmail:
    message_id = make_msgid(domain=_domain())
    email = SignedEmail(
        subject=message.subject,
        body=message.text,
        to=[message.to],
        headers={
            **_check_headers(message.headers or {}),
            "Message-ID": message_id,
            SITE_MARK: site_mark(message_id),
            "Content-Language": message.language,
        },
    )
    if message.html:
        email.attach_alternative(message.html, "text/html")
    return email


def _refused(error: smtplib.SMTPRecipientsRefused) -> None:
    codes = [code for code, _ in error.recipients.values()]
    if codes and min(codes) >= 500:
        raise BulkRefused(str(min(codes))) from None
    raise error


def _transaction(smtp: smtplib.SMTP, sender: str, to: str, raw: bytes, before_data) -> None:
    """smtplib's sendmail() for one recipient, with a hook between RCPT and DATA."""
    smtp.ehlo_or_helo_if_needed()
    code, answer = smtp.mail(sender)
    if code != 250:
        smtp.rset()
        raise smtplib.SMTPSenderRefused(code, answer, sender)
    code, answer = smtp.rcpt(to)
    if code not in (250, 251):
        smtp.rset()
        raise smtplib.SMTPRecipientsRefused({to: (code, answer)})
    before_data()
    code, answer = smtp.data(raw)
    if code != 250:
        smtp.rset()
        raise smtplib.SMTPDataError(code, answer)


def _nothing() -> None:
    return None


def mail_bulk_purpose(mail_type: str) -> str:
    """The purpose of a bulk mail type; MailPurposeRefused when it has none the policy lists (P20).
    A sender asks before it starts, so that a refused type sends nothing at all."""
    return mail_purpose(mail_type, get_policy())


def mail_bulk_send(connection, message: BulkMessage, *, before_data=_nothing) -> None:
    """Send one message over an open connection. Raises MailPurposeRefused (nothing sent) for a
    mail type without a purpose in the policy (P20), BulkRefused for a permanent refusal of this
    message; any other error (connection lost, temporary refusal) propagates.

    `before_data` runs once the server has accepted the recipient, just before the message
    itself is handed over (the newsletter waits there for the previous recipient's record)."""
    mail_bulk_purpose(message.mail_type)
    smtp = getattr(connection, "connection", None)
    raw = mail_bulk_bytes(message) if isinstance(smtp, smtplib.SMTP) else None
    try:
        if raw is not None and isinstance(smtp, smtplib.SMTP):
            sender = _sender(settings.DEFAULT_FROM_EMAIL)[0]
            _transaction(smtp, sender, message.to, raw, before_data)
        else:
            before_data()
            connection.send_messages([_email(message)])
    except smtplib.SMTPRecipientsRefused as error:
        _refused(error)
    except smtplib.SMTPDataError as error:
        if error.smtp_code >= 500:  # this message is refused for good (content, size…)
            raise BulkRefused(str(error.smtp_code)) from None
        raise
    except ValueError as error:  # an address the backend cannot encode
        raise BulkRefused(type(error).__name__) from None


SENT, REFUSED = "sent", "refused"
PURPOSE_RECHECK = 1.0  # seconds: a pipeline asks the policy again this often (P20)


class BulkPipeline:
    """Messages over one SMTP connection with PIPELINING: each `send` writes the previous
    message's content (answered 354 already) together with this message's MAIL, RCPT and DATA,
    builds this message while the server takes that in, then reads the answers.

    `record(key, SENT | REFUSED)` is called as soon as a message's fate is known (250, or a
    permanent 5xx refusal). `before_content()` runs before every write that hands a message's
    content over: the caller commits what it has recorded there (newsletter/marks.py). A temporary
    failure (4xx) or a lost connection raises as smtplib does; a message not yet recorded was not
    accepted, as far as this sender can know."""

    def __init__(
        self,
        connection,
        *,
        record: Callable[[Hashable, str], None],
        before_content: Callable[[], None] = _nothing,
    ) -> None:
        self.connection = connection
        self.smtp: smtplib.SMTP = connection.connection
        self.sender = _sender(settings.DEFAULT_FROM_EMAIL)[0]
        self.record, self.before_content = record, before_content
        self._pending: tuple[Hashable, bytes] | None = None  # answered 354, content not sent
        self._purposes: dict[str, float] = {}

    def _purpose(self, mail_type: str) -> None:
        """P20, as mail_bulk_send, but not once per copy (each asks the policy file)."""
        now = time.monotonic()
        if now - self._purposes.get(mail_type, -PURPOSE_RECHECK) >= PURPOSE_RECHECK:
            mail_bulk_purpose(mail_type)
            self._purposes[mail_type] = now

    def send(self, key: Hashable, to: str, build: Callable[[], BulkMessage]) -> None:
        """Send the message `build()` makes to `to`. It is built after the previous message has
        been handed over, while the server takes that one in."""

        def content() -> bytes:
            message = build()
            assert message.to == to, "the envelope and the message must name the same recipient"
            self._purpose(message.mail_type)
            headers = _wire_headers(message)
            if headers is not None:
                return _wire_bytes(message, headers)
            return _email(message).message().as_bytes(linesep="\r\n")

        if not _wire_address(to):  # only the email package encodes it
            self._one_by_one(key, build)
            return
        self._pipelined(key, to, content)

    def send_copy(self, key: Hashable, to: str, template: BulkTemplate, value: str) -> None:
        """Send `template`'s copy for `to`, with `value` in place of its placeholder (made after
        the previous message has been handed over, while the server takes that one in)."""
        self._purpose(template.mail_type)
        if not (_wire_address(to) and template.wire and value.isascii()):
            self._one_by_one(key, lambda: template.message(to, value))
            return

        def content() -> bytes:
            raw = template.copy(to, value)
            assert raw is not None  # checked above
            return raw

        self._pipelined(key, to, content)

    def _one_by_one(self, key: Hashable, build: Callable[[], BulkMessage]) -> None:
        self.finish()
        message = build()
        self._purpose(message.mail_type)
        try:
            mail_bulk_send(self.connection, message, before_data=self.before_content)
        except BulkRefused:
            self.record(key, REFUSED)
            return
        self.record(key, SENT)

    def _pipelined(self, key: Hashable, to: str, content: Callable[[], bytes]) -> None:
        envelope = f"MAIL FROM:<{self.sender}>\r\nRCPT TO:<{to}>\r\nDATA\r\n"
        previous, self._pending = self._pending, None
        if previous is None:
            self.smtp.send(envelope.encode("ascii"))
        else:
            self.before_content()
            self.smtp.send(previous[1] + b".\r\n" + envelope.encode("ascii"))
        raw = smtplib._quote_periods(content())  # type: ignore[attr-defined]
        if not raw.endswith(b"\r\n"):
            raw += b"\r\n"
        if previous is not None:
            self._answer(previous[0])
        mail = self.smtp.getreply()
        rcpt = self.smtp.getreply()
        data = self.smtp.getreply()
        if data[0] == 354:
            if mail[0] == 250 and rcpt[0] in (250, 251):
                self._pending = (key, raw)
                return
            self.smtp.send(b".\r\n")  # a server that opened DATA without a recipient: end it
            self.smtp.getreply()
        self.smtp.rset()
        if mail[0] != 250:
            raise smtplib.SMTPSenderRefused(mail[0], mail[1], self.sender)
        if rcpt[0] not in (250, 251):
            if rcpt[0] >= 500:
                self.record(key, REFUSED)
                return
            raise smtplib.SMTPRecipientsRefused({to: rcpt})
        if data[0] >= 500:
            self.record(key, REFUSED)
            return
        raise smtplib.SMTPDataError(*data)

    def _answer(self, key: Hashable) -> None:
        code, answer = self.smtp.getreply()
        if code == 250:
            self.record(key, SENT)
        elif code >= 500:  # this message is refused for good (content, size…)
            self.record(key, REFUSED)
        else:
            raise smtplib.SMTPDataError(code, answer)

    def finish(self) -> None:
        """Hand over the last message's content and wait for its answer."""
        previous, self._pending = self._pending, None
        if previous is not None:
            self.before_content()
            self.smtp.send(previous[1] + b".\r\n")
            self._answer(previous[0])


def mail_bulk_pipeline(
    connection,
    *,
    record: Callable[[Hashable, str], None],
    before_content: Callable[[], None] = _nothing,
) -> BulkPipeline | None:
    """A BulkPipeline over this open connection, or None when it is not SMTP or the server does
    not offer PIPELINING (send with mail_bulk_send then)."""
    smtp = getattr(connection, "connection", None)
    if not isinstance(smtp, smtplib.SMTP):
        return None
    smtp.ehlo_or_helo_if_needed()
    if not smtp.has_extn("pipelining"):
        return None
    if smtp.sock is not None:  # one write per message: nothing for Nagle to wait for
        smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return BulkPipeline(connection, record=record, before_content=before_content)


def mail_suppressed_among(addresses: Iterable[str]) -> set[str]:
    """Which of these addresses are on the suppression list (one query)."""
    by_hash = {address_hash(a): a for a in addresses}
    found = Suppression.objects.filter(address_hash__in=list(by_hash)).values_list(
        "address_hash", flat=True
    )
    return {by_hash[h] for h in found}
