from __future__ import annotations

from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "consonance.operations"
    label = "operations"
    verbose_name = "Operations: backups and restore"

    def ready(self) -> None:
        from consonance.operations import handlers

        handlers.register()
