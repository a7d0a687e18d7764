"""The mail app's own mail type (P20): the outbox's test message (the demo and tests queue it).
Every app declares its mail types beside its e-mails (privacy/mail_types.py)."""

MAIL_TYPES = {"test_hello": "outbox_test"}
