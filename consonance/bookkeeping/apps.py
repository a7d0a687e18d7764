from __future__ import annotations

from django.apps import AppConfig


class BookkeepingConfig(AppConfig):
    name = "consonance.bookkeeping"
    label = "bookkeeping"
    verbose_name = "Bookkeeping"

    def ready(self) -> None:
        # Here, not at the top: the handlers import models, which load after the app configs.
        from consonance.bookkeeping import handlers

        handlers.register()
