"""`consonance ledger sie --year YYYY --out FILE.se` and `consonance ledger verify FILE [--json]`
(any SIE file: the type from its content, the organisation number by its check digit);
`consonance ledger documents-zip --year YYYY --out FILE.zip` writes the year's invoices and
receipts as PDF for the accountant; `consonance ledger fortnox-sync` sends due vouchers to Fortnox
now."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from consonance.audit.services import SYSTEM, audit_append
from consonance.bookkeeping.fiscal import fiscal_year_ending_in
from consonance.bookkeeping.fortnox import fortnox_sync
from consonance.bookkeeping.pdf import documents_zip
from consonance.bookkeeping.sie_reader import read_sie
from consonance.bookkeeping.sie_writer import SieExportError, sie_export


class Command(BaseCommand):
    help = (
        "Bookkeeping: `sie --year YYYY --out FILE.se` writes the fiscal year ending in YYYY as "
        "SIE 4E; `verify FILE [--json]` checks any SIE file, types 1 to 4, the type read from "
        "its content, not its name (exit 0 valid, 1 not); "
        "`documents-zip --year YYYY --out FILE.zip` writes the year's invoices and receipts as "
        "PDF; `fortnox-sync` sends due vouchers to Fortnox."
    )

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sie = sub.add_parser("sie", help="Write a fiscal year as a SIE 4E file.")
        sie.add_argument(
            "--year", required=True, type=int, help="The year the fiscal year ends in."
        )
        sie.add_argument("--out", required=True, help="The file to write (FILE.se).")
        verify = sub.add_parser("verify", help="Verify a SIE file (1, 2, 3, 4E or 4I).")
        verify.add_argument("file")
        verify.add_argument("--json", action="store_true", help="Print the result as JSON.")
        documents = sub.add_parser(
            "documents-zip", help="Write a fiscal year's invoices and receipts as PDF in a zip."
        )
        documents.add_argument(
            "--year", required=True, type=int, help="The year the fiscal year ends in."
        )
        documents.add_argument("--out", required=True, help="The file to write (FILE.zip).")
        sub.add_parser("fortnox-sync", help="Send due vouchers to Fortnox now.")

    def handle(self, *args, action: str, **options) -> None:
        if action == "sie":
            self._sie(options["year"], options["out"])
        elif action == "verify":
            self._verify(options["file"], options["json"])
        elif action == "documents-zip":
            self._documents_zip(options["year"], options["out"])
        else:
            self.stdout.write(json.dumps(fortnox_sync()))

    def _sie(self, year: int, out: str) -> None:
        if not 1900 < year < 3000:
            raise CommandError(f"--year {year}: expected a four-digit year")
        try:
            data = sie_export(fiscal_year_ending_in(year))
        except SieExportError as error:
            raise CommandError(str(error)) from error
        try:
            Path(out).write_bytes(data)
        except OSError as error:
            raise CommandError(f"{out}: cannot write: {error.strerror}") from error
        self.stdout.write(f"{out}: {len(data)} bytes")

    def _documents_zip(self, year: int, out: str) -> None:
        if not 1900 < year < 3000:
            raise CommandError(f"--year {year}: expected a four-digit year")
        data, count = documents_zip(fiscal_year_ending_in(year))
        try:
            Path(out).write_bytes(data)
        except OSError as error:
            raise CommandError(f"{out}: cannot write: {error.strerror}") from error
        audit_append(
            actor=SYSTEM,
            action="document.zip_downloaded",
            category="bookkeeping",
            detail={"year": year, "documents": count},
        )
        self.stdout.write(f"{out}: {count} documents, {len(data)} bytes")

    def _verify(self, name: str, as_json: bool) -> None:
        try:
            data = Path(name).read_bytes()
        except OSError as error:
            raise CommandError(f"{name}: cannot read: {error.strerror}") from error
        with translation.override("en"):  # the command line speaks English, as the others do
            result = read_sie(data, Path(name).name)
        if as_json:
            self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False, indent=2))
        else:
            for issue in result.errors:
                self.stderr.write(f"{name}:{issue.line}: {issue.message}")
            for issue in result.warnings:
                self.stderr.write(f"{name}:{issue.line}: warning: {issue.message}")
            state = "valid" if result.valid else "INVALID"
            self.stdout.write(
                f"{name}: {state} SIE {result.type} from {result.program or '?'}: "
                f"{len(result.vouchers)} vouchers, {result.transactions} transactions, "
                f"{len(result.accounts)} accounts, #KSUMMA {result.ksumma}"
            )
        if not result.valid:
            sys.exit(1)
