from __future__ import annotations

from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "consonance.people"
    label = "people"
    verbose_name = "People"

    def ready(self) -> None:
        # Identifiers in every app are encrypted under people's keys (lib/identifiers.py).
        from consonance.lib import identifiers
        from consonance.people.keys import identifier_key

        identifiers.KEYS = identifier_key
