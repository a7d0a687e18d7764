"""The identifiers this app encrypts in place (issue 19), shared by its three migrations."""

from consonance.lib.text import normalise_email
from consonance.people.identifier_migration import Plain

OUTBOXMESSAGE = [
    Plain("recipient", "mail.outbox.recipient", normalise_email, "recipient_index"),
    Plain("subject", "mail.outbox.subject", str),
    Plain("body_text", "mail.outbox.body_text", str),
    Plain("body_html", "mail.outbox.body_html", str),
]
