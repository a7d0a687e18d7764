from __future__ import annotations

from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "consonance.people"
    label = "people"
    verbose_name = "People"
