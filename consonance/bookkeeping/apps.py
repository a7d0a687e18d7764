from __future__ import annotations

from django.apps import AppConfig


class BookkeepingConfig(AppConfig):
    name = "consonance.bookkeeping"
    label = "bookkeeping"
    verbose_name = "Bookkeeping"
