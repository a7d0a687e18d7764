"""`consonance staff enrol-link USERNAME`: a one-time link with which a staff account enrols its
authenticator app (README, "Running it on a server", step 6). The password alone enrols nothing.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from consonance.audit.services import SYSTEM
from consonance.people.enrolment import ENROL_LINK_HOURS, EnrolLinkRefused, enrol_link_create


class Command(BaseCommand):
    help = "Staff accounts. `enrol-link USERNAME`: print a one-time link to enrol an authenticator."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        link = sub.add_parser(
            "enrol-link",
            help=f"Print a single-use https link, valid {ENROL_LINK_HOURS} hours, with which the "
            "staff account USERNAME enrols its authenticator app (a new link retires older ones).",
        )
        link.add_argument("username")

    def handle(self, *args, action: str, username: str, **options) -> None:
        try:
            url = enrol_link_create(username=username, actor=SYSTEM)
        except EnrolLinkRefused as error:
            raise CommandError(f"staff enrol-link: {error}") from None
        self.stdout.write(url)
        self.stderr.write(
            f"Valid for {ENROL_LINK_HOURS} hours, once. Give it to {username} privately: they "
            "open it, sign in with their password, and scan the QR code it shows."
        )
