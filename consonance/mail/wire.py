"""Writing a bulk message as it goes on the wire (newsletters; mail/bulk.py sends it).

Building each copy through Django's EmailMessage (the email package's header registry and
folding) costs far more than sending it. Over SMTP the message is therefore written here
directly (UTF-8 parts in base64, headers checked as the outbox checks them), which is what the
standard library would produce, at a fraction of the cost. A newsletter goes further: its
`BulkTemplate` is written once per campaign and language, and each copy costs only what is her
own (address, link, Message-ID, site mark, date).
"""

from __future__ import annotations

import base64
import secrets
import time
from dataclasses import dataclass
from email.header import Header
from email.utils import formatdate, parseaddr
from functools import cache, lru_cache

from django.conf import settings
from django.core.mail import make_msgid

from consonance.lib.keyring import derived_keys
from consonance.mail.dkim import dkim_key, dkim_sign
from consonance.mail.outbox import _check_headers
from consonance.mail.sender import SITE_MARK, SITE_MARK_KEY, site_mark_mac


@dataclass(frozen=True, slots=True)
class BulkMessage:
    to: str
    subject: str
    text: str
    html: str = ""
    headers: dict[str, str] | None = None
    language: str = "sv"
    # P20: a mail type declared with a purpose (privacy/mail_types.py), e.g. "newsletter_issue";
    # mail_bulk_send refuses a message without one.
    mail_type: str = ""


@cache
def _sender(from_email: str) -> tuple[str, str, str | None]:
    """(envelope sender, From header, Message-ID domain) for the configured sender, worked out
    once: parsing it for every copy would cost as much as building the copy."""
    name, address = parseaddr(from_email)
    header = (
        f"{Header(name, 'utf-8').encode()} <{address}>"
        if name and not name.isascii()
        else from_email
    )
    return address, header, address.rpartition("@")[2] or None


def _domain() -> str | None:
    return _sender(settings.DEFAULT_FROM_EMAIL)[2]


@lru_cache(maxsize=64)
def _subject(subject: str) -> str:
    return Header(subject, "utf-8", maxlinelen=76).encode(linesep="\r\n")


def _base64_lines(data: bytes) -> bytes:
    return base64.encodebytes(data).replace(b"\n", b"\r\n")


_LINE = 57  # bytes per base64 line (76 characters), as base64.encodebytes writes them


class _Part:
    """One body part's base64, made once up to the base64 line before the first placeholder;
    each copy encodes only the rest, with her value in place. The same bytes as encoding the
    whole part per copy: base64 lines start every 57 bytes, and the head ends on one."""

    __slots__ = ("head", "placeholder", "tail")

    def __init__(self, text: str, placeholder: str | None) -> None:
        data = text.encode("utf-8")
        self.placeholder = placeholder.encode("utf-8") if placeholder else None
        found = data.find(self.placeholder) if self.placeholder else -1
        split = len(data) if found < 0 else found // _LINE * _LINE
        self.head = _base64_lines(data[:split])
        self.tail = data[split:]

    def encoded(self, value: bytes) -> bytes:
        if not self.tail:
            return self.head
        tail = self.tail if self.placeholder is None else self.tail.replace(self.placeholder, value)
        return self.head + _base64_lines(tail)


_dates: list = [None, ""]


def _date() -> str:
    """The Date header's value (RFC 5322), made once per second."""
    second = int(time.time())
    if _dates[0] != second:
        _dates[:] = [second, formatdate(second, usegmt=True)]
    return _dates[1]


class BulkTemplate:
    """Copies of one message that differ only in the recipient and in one value put in place of
    `placeholder` (her own unsubscribe link) in the text, the HTML and the headers: the wire form
    (RFC 5322 headers, MIME multipart/alternative, UTF-8 parts in base64) is made once, and a
    copy costs only its own Message-ID, site mark, date and the base64 of each part from the
    placeholder on. `copy` gives the bytes as they go on the wire (DKIM-signed when configured),
    or None when they cannot be written so (a non-ASCII address or value: `message` then gives
    the copy for the email package)."""

    def __init__(
        self,
        *,
        subject: str,
        text: str,
        html: str = "",
        headers: dict[str, str] | None = None,
        language: str = "sv",
        mail_type: str = "",
        placeholder: str | None = None,
    ) -> None:
        self.subject, self.text, self.html, self.language = subject, text, html, language
        self.headers, self.mail_type, self.placeholder = headers or {}, mail_type, placeholder
        checked = _check_headers(self.headers)
        self.wire = all(value.isascii() for value in checked.values())
        _envelope, from_header, self.domain = _sender(settings.DEFAULT_FROM_EMAIL)
        self.mark_key = derived_keys(SITE_MARK_KEY)[0]
        self._head = f"From: {from_header}\r\nTo: ".encode("ascii")
        self._subject = f"\r\nSubject: {_subject(subject)}\r\nDate: ".encode("ascii")
        extra = "".join(f"{name}: {value}\r\n" for name, value in checked.items())
        self._headers = (
            f"\r\nMIME-Version: 1.0\r\nContent-Language: {language}\r\n{extra}"
        ).encode("ascii", "replace")
        self._headers_vary = placeholder is not None and placeholder != "" and placeholder in extra
        self._placeholder = placeholder.encode("ascii") if placeholder else b""
        text_headers = (
            b'Content-Type: text/plain; charset="utf-8"\r\n'
            b"Content-Transfer-Encoding: base64\r\n\r\n"
        )
        self._text = _Part(text, placeholder)
        if html:
            boundary = f"==consonance-{secrets.token_hex(12)}".encode("ascii")
            self._open = (
                b'Content-Type: multipart/alternative; boundary="' + boundary + b'"\r\n\r\n'
                b"--" + boundary + b"\r\n" + text_headers
            )
            self._between = (
                b"\r\n--" + boundary + b"\r\n"
                b'Content-Type: text/html; charset="utf-8"\r\n'
                b"Content-Transfer-Encoding: base64\r\n\r\n"
            )
            self._close = b"\r\n--" + boundary + b"--\r\n"
            self._html: _Part | None = _Part(html, placeholder)
        else:
            self._open, self._between, self._close, self._html = text_headers, b"", b"", None

    def message(self, to: str, value: str = "") -> BulkMessage:
        """This copy as a BulkMessage (for the email package, or any other mail backend)."""
        mark = self.placeholder

        def put(text: str) -> str:
            return text.replace(mark, value) if mark else text

        return BulkMessage(
            to=to,
            subject=self.subject,
            text=put(self.text),
            html=put(self.html),
            headers={name: put(v) for name, v in self.headers.items()},
            language=self.language,
            mail_type=self.mail_type,
        )

    def copy(self, to: str, value: str = "") -> bytes | None:
        if not (self.wire and _wire_address(to) and value.isascii()):
            return None
        if "\r" in value or "\n" in value:
            raise ValueError("a header value must be one line")
        message_id = make_msgid(domain=self.domain)
        data = value.encode("ascii")
        headers = self._headers
        if self._headers_vary:
            headers = headers.replace(self._placeholder, data)
        parts = [
            self._head,
            to.encode("ascii"),
            self._subject,
            _date().encode("ascii"),
            b"\r\nMessage-ID: ",
            message_id.encode("ascii"),
            b"\r\n" + SITE_MARK.encode("ascii") + b": v1 ",
            site_mark_mac(self.mark_key, message_id).encode("ascii"),
            headers,
            self._open,
            self._text.encoded(data),
        ]
        if self._html is not None:
            parts += [self._between, self._html.encoded(data), self._close]
        raw = b"".join(parts)
        key = dkim_key()
        return dkim_sign(raw, key) + raw if key is not None else raw


def _wire_address(to: str) -> bool:
    return to.isascii() and "\n" not in to and "\r" not in to


def _wire_headers(message: BulkMessage) -> dict[str, str] | None:
    """The message's own headers when it can go on the wire as we write it, None when the
    recipient address needs encoding that only the full email package does (non-ASCII)."""
    if not _wire_address(message.to):
        return None
    headers = _check_headers(message.headers or {})
    if not all(value.isascii() for value in headers.values()):
        return None
    return headers


def _wire_bytes(message: BulkMessage, headers: dict[str, str]) -> bytes:
    template = BulkTemplate(
        subject=message.subject,
        text=message.text,
        html=message.html,
        headers=headers,
        language=message.language,
        mail_type=message.mail_type,
    )
    raw = template.copy(message.to)
    assert raw is not None  # the address and headers were checked by _wire_headers
    return raw
