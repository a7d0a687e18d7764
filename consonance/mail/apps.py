from __future__ import annotations

from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "consonance.mail"
    label = "mail"
    verbose_name = "Mail"

    def ready(self) -> None:
        from consonance.mail import checks, handlers  # noqa: F401 - checks registers W035

        handlers.register()
