from __future__ import annotations

from django.apps import AppConfig


class JournalConfig(AppConfig):
    name = "consonance.journal"
    label = "journal"
    verbose_name = "Journal"

    def ready(self) -> None:
        from consonance.journal import handlers

        handlers.register()
