from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from consonance.lib.apps import app_modules


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
            for module in app_modules("demo"):
                module.load(self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
