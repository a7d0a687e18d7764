from __future__ import annotations

from django.apps import AppConfig


class BookkeepingConfig(AppConfig):
    name = "consonance.bookkeeping"
    label = "bookkeeping"
    verbose_name = "Bookkeeping"

    def ready(self) -> None:
        from consonance.bookkeeping import handlers  # noqa: PLC0415 -- apps load before models

        handlers.register()
