"""The web app's mail types (P20): the notice that the practice closes, queued by closure.py.
Every app declares its mail types beside its e-mails (privacy/mail_types.py)."""

MAIL_TYPES = {"practice_closing": "closing"}
