"""What the mail app tells the apps above it: an ingested message to file (P16, P17)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from consonance.lib.hooks import Hook


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class InboundMail:
    """One message read from the coach's mailbox, parsed and decoded (never logged)."""

    role: str  # "inbox" (to the coach) or "sent" (the coach's own)
    message_id: str
    in_reply_to: str
    references: tuple[str, ...]
    from_address: str
    from_name: str
    to_addresses: tuple[str, ...]
    subject: str
    text: str  # the plain text (from the HTML part, sanitised, when there is no text part)
    html: str  # the HTML part sanitised with nh3, or ""
    date: datetime
    attachments: tuple[Attachment, ...] = ()
    refused: tuple[tuple[str, int], ...] = field(default=())  # (filename, size) over the limit
    # A DKIM signature of the message verifies and its domain is the From domain or a parent of
    # it (mail/sender.py): the From address is proven. False for anyone's word alone.
    dkim_aligned: bool = False
    # The site sent it itself (a genuine X-Consonance-Mail header and the site's own From,
    # mail/sender.py): a notice to the coach, never a message from anyone to file.
    sent_by_site: bool = False
    # Set when the message itself could not be read in (PARKED_TOO_LARGE, PARKED_UNREADABLE):
    # this is only a note about it, naming its sender and subject; it lies in `parked_folder`.
    parked: str = ""
    parked_folder: str = ""
    size: int = 0


PARKED_TOO_LARGE = "too_large"  # over CONSONANCE_IMAP_MAX_MESSAGE: never downloaded
PARKED_UNREADABLE = "unreadable"  # no sender, or a message that cannot be parsed


#: A message to file. Handlers run in order inside the ingestion's transaction; the first to
#: return a label ("consultation", "reply", "duplicate"...) has filed it, the rest are not asked.
inbound_message: Hook[InboundMail, str | None] = Hook(
    "mail.inbound_message",
    when="the mailbox ingestion found a message to file (the first label files it)",
)

#: A message from the inbox no handler of `inbound_message` filed: the contact queue (P17).
inbound_unclaimed: Hook[InboundMail, str | None] = Hook(
    "mail.inbound_unclaimed",
    when="no handler of `mail.inbound_message` filed a message from the inbox",
)
