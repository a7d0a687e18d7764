from __future__ import annotations

from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "consonance.mail"
    label = "mail"
    verbose_name = "Mail"

    def ready(self) -> None:
        from consonance.mail import handlers

        handlers.register()
