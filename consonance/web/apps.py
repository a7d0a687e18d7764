from __future__ import annotations

from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "consonance.web"
    label = "web"
    verbose_name = "Website"

    def ready(self) -> None:
        from consonance.web import checks  # noqa: F401 - registers the deployment checks
