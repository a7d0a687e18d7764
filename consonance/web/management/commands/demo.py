from __future__ import annotations

from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction


class Command(BaseCommand):
    help = (
        "Load fictional demo data (idempotent): a staff account and clients who exercise "
        "every capability. Each app contributes its part in its own demo.py."
    )

    def handle(self, *args, **options) -> None:
        # The demo's staff account has a published password and TOTP key: never in production.
        if not settings.DEBUG:
            raise CommandError(
                "refusing to load demo data without CONSONANCE_DEBUG=1: it creates the staff "
                "account 'coach' with a published password and TOTP key"
            )
        with transaction.atomic():
            for app in apps.get_app_configs():
                if not app.name.startswith("consonance."):
                    continue
                try:
                    module = import_module(f"{app.name}.demo")
                except ModuleNotFoundError as error:
                    if error.name != f"{app.name}.demo":
                        raise
                    continue
                module.load(self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
