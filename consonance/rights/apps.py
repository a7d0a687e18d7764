from __future__ import annotations

from django.apps import AppConfig


class RightsConfig(AppConfig):
    name = "consonance.rights"
    label = "rights"
    verbose_name = "Data subject rights"

    def ready(self) -> None:
        from consonance.rights import handlers

        handlers.register()
