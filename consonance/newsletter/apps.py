from __future__ import annotations

from django.apps import AppConfig


class NewsletterConfig(AppConfig):
    name = "consonance.newsletter"
    label = "newsletter"
    verbose_name = "Newsletter"

    def ready(self) -> None:
        from consonance.newsletter import handlers

        handlers.register()
