"""Parsing a raw message from the mailbox: headers and body decoded right whatever the charset
(Swedish mail still arrives in ISO-8859-1 and Windows-1252), HTML sanitised with nh3, attachments
kept up to a size limit and the rest refused by name and size."""

from __future__ import annotations

import html as html_lib
import re
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.feedparser import BytesFeedParser
from email.message import EmailMessage, Message
from email.utils import getaddresses, parsedate_to_datetime

import nh3

from consonance.mail.hooks import Attachment, InboundMail
from consonance.mail.sender import SITE_MARK, sent_by_site

_BLOCK_END = re.compile(r"(?i)</(p|div|li|tr|h[1-6])>|<br\s*/?>")
_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
_HEADER_END = re.compile(rb"\r?\n\r?\n")
FEED_CHUNK = 64 * 1024


def _decode_bytes(payload: bytes, charset: str | None) -> str:
    for candidate in (charset, "utf-8", "windows-1252"):
        if not candidate:
            continue
        try:
            return payload.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    return payload.decode("latin-1")


def _text_of(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    return _decode_bytes(payload, part.get_content_charset())


def html_to_text(markup: str) -> str:
    """Readable plain text of an HTML body: line breaks kept, tags and scripts gone."""
    with_breaks = _BLOCK_END.sub("\n", markup)
    stripped = nh3.clean(with_breaks, tags=set(), clean_content_tags={"script", "style"})
    lines = [line.strip() for line in html_lib.unescape(stripped).splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def sanitise_html(markup: str) -> str:
    return nh3.clean(markup, clean_content_tags={"script", "style"}, link_rel="noopener noreferrer")


def _message(raw: bytes) -> EmailMessage:
    """The parsed message, fed to the parser in pieces: given the whole at once, the email
    package splits it into lines in one go, eight times the message in memory (issue 21)."""
    parser = BytesFeedParser(policy=policy.default)
    view = memoryview(raw)
    for start in range(0, len(raw), FEED_CHUNK):
        parser.feed(bytes(view[start : start + FEED_CHUNK]))
    message = parser.close()
    assert isinstance(message, EmailMessage)
    return message


def _encoded_size(part: Message) -> int:
    """About the decoded size of a part, without decoding it: base64 makes 3 bytes 4 (to within
    the padding), other encodings are about as long as what they encode."""
    payload = part.get_payload()
    if not isinstance(payload, str):
        return 0
    length = len(payload) - payload.count("\n") - payload.count("\r")
    encoding = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
    return length * 3 // 4 if encoding == "base64" else length


def _header(message: EmailMessage, name: str) -> str:
    try:
        value = message.get(name)
    except (ValueError, IndexError, TypeError):  # a malformed header: keep what is readable
        value = message.get_all(name, [""])[0] if hasattr(message, "get_all") else ""
    return " ".join(str(value or "").split())


def _ids(value: str) -> tuple[str, ...]:
    return tuple(_MESSAGE_ID.findall(value or ""))


def _date(message: EmailMessage, fallback: datetime) -> datetime:
    try:
        moment = parsedate_to_datetime(_header(message, "Date"))
    except (TypeError, ValueError, IndexError):
        return fallback
    if moment is None:
        return fallback
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_message(
    raw: bytes, *, role: str, max_attachment: int, received: datetime, dkim_aligned: bool = False
) -> InboundMail:
    message = _message(raw)
    text_parts: list[str] = []
    html_parts: list[str] = []
    attachments: list[Attachment] = []
    refused: list[tuple[str, int]] = []
    for part in message.walk():
        if part.is_multipart():
            continue
        filename = part.get_filename()
        disposition = part.get_content_disposition()
        content_type = part.get_content_type()
        if filename or disposition == "attachment":
            name = " ".join(str(filename or "bilaga").split())[:200]
            size = _encoded_size(part)
            if size > max_attachment + 3:  # refused without decoding it (memory, issue 21)
                refused.append((name, size))
                continue
            data = part.get_payload(decode=True)
            data = data if isinstance(data, bytes) else b""
            if len(data) > max_attachment:
                refused.append((name, len(data)))
            else:
                attachments.append(Attachment(name, content_type, data))
        elif content_type == "text/plain":
            text_parts.append(_text_of(part))
        elif content_type == "text/html":
            html_parts.append(_text_of(part))
    html = sanitise_html("\n".join(html_parts)) if html_parts else ""
    text = "\n\n".join(p.strip() for p in text_parts if p.strip())
    if not text and html_parts:
        text = html_to_text("\n".join(html_parts))
    from_pairs = getaddresses([_header(message, "From")])
    from_name, from_address = from_pairs[0] if from_pairs else ("", "")
    recipients = getaddresses([_header(message, "To"), _header(message, "Cc")])
    message_id = (_ids(_header(message, "Message-ID")) or ("",))[0]
    return InboundMail(
        role=role,
        message_id=message_id,
        in_reply_to=(_ids(_header(message, "In-Reply-To")) or ("",))[0],
        references=_ids(_header(message, "References")),
        from_address=from_address.strip().lower(),
        from_name=from_name.strip(),
        to_addresses=tuple(a.strip().lower() for _n, a in recipients if a.strip()),
        subject=_header(message, "Subject"),
        text=text.replace("\r\n", "\n"),
        html=html,
        date=_date(message, received),
        attachments=tuple(attachments),
        refused=tuple(refused),
        dkim_aligned=dkim_aligned,
        sent_by_site=sent_by_site(
            from_address=from_address,
            message_id=message_id,
            mark=_header(message, SITE_MARK),
        ),
    )


def parse_headers(raw: bytes, *, received: datetime) -> InboundMail:
    """Sender, subject and date of a message that is not read in whole (too large, or broken):
    what the note to the coach names. Never fails: what cannot be read stays empty."""
    try:
        message = message_from_bytes(_HEADER_END.split(raw, 1)[0], policy=policy.default)
        pairs = getaddresses([_header(message, "From")])
        name, address = pairs[0] if len(pairs) == 1 else ("", "")
        subject = _header(message, "Subject")
    except Exception:  # a poison message: whatever it holds, the note still goes out
        name, address, subject = "", "", ""
    return InboundMail(
        role="inbox",
        message_id="",
        in_reply_to="",
        references=(),
        from_address=address.strip().lower(),
        from_name=name.strip(),
        to_addresses=(),
        subject=subject[:300],
        text="",
        html="",
        date=received,
    )
