from __future__ import annotations

from django.apps import AppConfig


class BookingConfig(AppConfig):
    name = "consonance.booking"
    label = "booking"
    verbose_name = "Booking"

    def ready(self) -> None:
        from consonance.booking import handlers

        handlers.register()
