from __future__ import annotations

from django.apps import AppConfig


class BankgiroConfig(AppConfig):
    name = "consonance.payments.bankgiro"
    label = "bankgiro"
    verbose_name = "Bankgiro"

    def ready(self) -> None:
        from consonance.payments import methods
        from consonance.payments.bankgiro import handlers, method

        handlers.register()
        methods.register(method.METHOD)
