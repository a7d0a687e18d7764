from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from consonance.audit.services import audit_verify_and_record


class Command(BaseCommand):
    help = "Audit log tools. `consonance audit verify` checks the whole hash chain."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="Verify the hash chain; exit 1 naming the first bad event.")

    def handle(self, *args, action: str, **options) -> None:
        result = audit_verify_and_record()
        if result.broken_seq is not None:
            raise CommandError(
                f"audit chain broken at event #{result.broken_seq}: {result.reason} "
                f"({result.events} events read)"
            )
        self.stdout.write(f"audit chain intact: {result.events} events")
