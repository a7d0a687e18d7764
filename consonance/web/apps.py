from __future__ import annotations

from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "consonance.web"
    label = "web"
    verbose_name = "Website"
