from __future__ import annotations

from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "consonance.privacy"
    label = "privacy"
    verbose_name = "Privacy"

    def ready(self) -> None:
        from consonance.privacy import checks  # noqa: F401 - registers the system checks
