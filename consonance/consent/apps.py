from __future__ import annotations

from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "consonance.consent"
    label = "consent"
    verbose_name = "Consent"
