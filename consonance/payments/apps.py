from __future__ import annotations

from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "consonance.payments"
    label = "payments"
    verbose_name = "Payments"

    def ready(self) -> None:
        from consonance.payments import handlers, methods

        handlers.register()
        methods.discover()  # each provider folder's row of the table of methods
