"""`consonance mail ingest [--json]`: one pass over the coach's mailbox (P16, P17)."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from consonance.mail.ingest import IngestError, ingest_once


class Command(BaseCommand):
    help = "Mail: `ingest [--json]` files new mail from the IMAP mailbox once and purges it."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        ingest = sub.add_parser(
            "ingest", help="Read INBOX and Sent once: file, then move to Trash and expunge."
        )
        ingest.add_argument("--json", action="store_true", help="Print the counts as JSON.")

    def handle(self, *args, action: str, **options) -> None:
        try:
            stats = ingest_once()
        except IngestError as error:
            raise CommandError(f"mail ingest: {error}", returncode=2) from error
        counts = stats.as_dict()
        if options["json"]:
            self.stdout.write(json.dumps(counts))
        else:
            self.stdout.write(
                "fetched {fetched}, filed {filed}, duplicates {duplicates}, deleted {deleted}, "
                "to the contact queue {to_contact_queue}, errors {errors}".format(**counts)
            )
        if counts["errors"]:
            raise CommandError(f"{counts['errors']} message(s) not filed", returncode=1)
