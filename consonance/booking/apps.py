from __future__ import annotations

from django.apps import AppConfig


class BookingConfig(AppConfig):
    name = "consonance.booking"
    label = "booking"
    verbose_name = "Booking"

    def ready(self) -> None:
        # Registers the ledger hook that confirms a booking when its order is paid.
        from consonance.booking import services  # noqa: F401
