"""What the mail app holds about people.

An outgoing message holds the recipient's address and a body that may name the person and her
booking: the category "sent_email" (e-mail from the coach to her, P20), not "messages" (what she
wrote). The outbox is a queue, not an archive: e-mail is never the storage of anything (P17), so
the policy's rule `sent-email-after-sending` (delete 0 hours after the clock "sent", `sent_at`)
removes a message once it has been sent. Until the retention engine runs that rule, the mail app's
own periodic job "mail-purge" does the same, reading the rule's duration from the policy file
(tasks.mail_purge_task). A message that could not be delivered stays, for the coach to see and
retry on /staff/mail/, for at most `sending.FAILED_KEEP` (30 days), then the same job deletes it.

Its text carries links that act on her behalf (cancel, reschedule, sign in, unsubscribe): every
copy of her data shows the messages without them (`scrub`).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django.utils.translation import get_language, gettext_lazy, ngettext_lazy, pgettext_lazy
from django.utils.translation import gettext as _

from consonance.lib.text import normalise_email, strip_links
from consonance.mail.models import CATEGORY
from consonance.privacy.policy import get_policy
from consonance.privacy.registry import Holding, PersonalModel, Readable, Thing


def without_links(value: Any) -> Any:
    return strip_links(value, _("[länk borttagen]"))


def attachments_without_links(attachments: Any) -> Any:
    """Stored attachments with the links taken out of the text ones (a calendar file)."""
    if not isinstance(attachments, list):
        return attachments
    cleaned = []
    for item in attachments:
        if isinstance(item, dict) and str(item.get("mimetype", "")).startswith("text/"):
            try:
                text = base64.b64decode(item.get("content", "")).decode()
            except (binascii.Error, UnicodeDecodeError, ValueError):
                text = ""
            content = base64.b64encode(without_links(text).encode()).decode("ascii")
            item = {**item, "content": content}
        cleaned.append(item)
    return cleaned


def purpose_text(purpose: Any) -> str:
    """The reason a message was sent (P20), in words from the policy's [communication] list."""
    reason = get_policy().communication.get(str(purpose or ""))
    if reason is None:
        return str(purpose or "")
    return reason.text.get(get_language() or "sv")


def attachment_names(attachments: Any) -> str:
    if not isinstance(attachments, list):
        return ""
    return ", ".join(str(a.get("filename", "")) for a in attachments if isinstance(a, dict))


PERSONAL_DATA = [
    PersonalModel(
        "mail.OutboxMessage",
        subject="person",
        holdings=(
            Holding(
                CATEGORY,
                fields=("recipient", "subject", "body_text", "body_html", "headers", "attachments"),
                clocks={"sent": "sent_at"},
            ),
        ),
        identifiers=("recipient",),
        normalise={"recipient": normalise_email},
        not_personal=(
            "person",
            "language",
            "template",
            "purpose",
            "bypass_suppression",
            "message_id",
            "state",
            "created_at",
            "attempts",
            "next_attempt_at",
            "claimed_at",
            "last_error",
            "sent_at",
        ),
        things=(
            Thing(
                ngettext_lazy(
                    "%(count)d e-postmeddelande till dig",
                    "%(count)d e-postmeddelanden till dig",
                    "count",
                )
            ),
        ),
        readable=Readable(
            heading=gettext_lazy("E-postmeddelanden till dig"),
            labels={
                "created_at": gettext_lazy("Skrivet"),
                "sent_at": gettext_lazy("Skickat"),
                "state": gettext_lazy("Läge"),
                "recipient": pgettext_lazy("e-post", "Till"),
                "subject": gettext_lazy("Ämne"),
                "purpose": gettext_lazy("Varför det skickades"),
                "attachments": gettext_lazy("Bilagor"),
                "body_text": gettext_lazy("Text"),
            },
            values={
                "state": {
                    "queued": gettext_lazy("väntar på att skickas"),
                    "sending": gettext_lazy("skickas"),
                    "sent": gettext_lazy("skickat"),
                    "failed": gettext_lazy("kunde inte skickas"),
                    "unknown": gettext_lazy("oklart om det kom fram"),
                }
            },
            readers={"attachments": attachment_names, "purpose": purpose_text},
        ),
        scrub={
            "body_text": without_links,
            "body_html": without_links,
            "headers": without_links,
            "attachments": attachments_without_links,
        },
    ),
]

NOT_PERSONAL = {
    "mail.Suppression": (
        "a keyed one-way hash (HMAC-SHA256) of an address that must get no more mail, with a "
        "reason code: it cannot be turned back into the address, only matched against one given"
    ),
    "mail.IngestedMessage": (
        "the ingestion ledger: folder, IMAP UIDs, a SHA-256 of the raw message and what became of "
        "it; no sender, subject or text"
    ),
}
