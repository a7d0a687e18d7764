from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp

from consonance.people.demo import STAFF_TOTP_KEY


class Command(BaseCommand):
    help = "Print the current second-factor code of the demo staff account (development only)."

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG:
            raise CommandError("demo_code works only with CONSONANCE_DEBUG=1.")
        self.stdout.write(f"{totp(bytes.fromhex(STAFF_TOTP_KEY)):06d}")
