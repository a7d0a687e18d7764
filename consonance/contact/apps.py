from __future__ import annotations

from django.apps import AppConfig


class ContactConfig(AppConfig):
    name = "consonance.contact"
    label = "contact"
    verbose_name = "Contact"

    def ready(self) -> None:
        from consonance.contact import handlers

        handlers.register()
