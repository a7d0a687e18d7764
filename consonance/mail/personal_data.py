"""What the mail app holds about people.

An outgoing message holds the recipient's address and a body that may name the person and her
booking. The outbox is a queue, not an archive: e-mail is never the storage of anything (P17), so
a message is declared under "messages" with its clock "replied" at `sent_at`, and the policy's rule
`messages-after-reply` (delete 0 hours after) removes it once it has been sent. Until the
retention engine runs that rule, the mail app's own periodic job "mail-purge" does the same,
reading the rule's duration from the policy file (tasks.mail_purge_task). A message that could not
be delivered stays, for the coach to see and retry on /staff/mail/, for at most
`tasks.FAILED_KEEP` (30 days), then the same job deletes it.
"""

from __future__ import annotations

from consonance.privacy.registry import Holding, PersonalModel

PERSONAL_DATA = [
    PersonalModel(
        "mail.OutboxMessage",
        subject="person",
        holdings=(
            Holding(
                "messages",
                fields=("recipient", "subject", "body_text", "body_html", "headers", "attachments"),
                clocks={"replied": "sent_at"},
            ),
        ),
        identifiers=("recipient",),
        not_personal=(
            "person",
            "language",
            "template",
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
