from __future__ import annotations

from django.apps import AppConfig


class ContactConfig(AppConfig):
    name = "consonance.contact"
    label = "contact"
    verbose_name = "Contact"
