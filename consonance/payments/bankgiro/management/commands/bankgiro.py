from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from consonance.audit.services import SYSTEM
from consonance.payments.bankgiro.bgmax_reader import BgMaxError
from consonance.payments.bankgiro.imports import UNMATCHED_REASONS, ImportReport, bankgiro_import


class Command(BaseCommand):
    help = (
        "Bankgiro tools. `consonance bankgiro import FILE [--json] [--dry-run]` reads a BgMax "
        "file (Bankgiro Inbetalningar) and records its payments on the matching invoices."
    )

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser(
            "import",
            help="Import a BgMax file: all or nothing; importing the same file twice changes "
            "nothing.",
        )
        imp.add_argument("file", help="Path to the BgMax file.")
        imp.add_argument("--json", action="store_true", help="Print the report as JSON.")
        imp.add_argument(
            "--dry-run", action="store_true", help="Read and report, but apply nothing."
        )

    def handle(self, *args, action: str, **options) -> None:
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as error:
            self.stderr.write(f"{path}: cannot read the file: {error.strerror or error}")
            raise CommandError("nothing imported", returncode=1) from None
        try:
            report = bankgiro_import(
                data=data, filename=str(path), dry_run=options["dry_run"], actor=SYSTEM
            )
        except BgMaxError as error:
            # "FILE:LINE: reason" on a line of its own, for editors and scripts.
            self.stderr.write(str(error))
            raise CommandError(
                "the file was refused whole; nothing imported", returncode=1
            ) from None
        if options["json"]:
            self.stdout.write(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
        else:
            self._human(report)

    def _human(self, report: ImportReport) -> None:
        write = self.stdout.write
        if report.already_imported:
            write(
                f"{report.filename}: already imported (file #{report.imported_file_id}); "
                "nothing changed."
            )
        elif report.dry_run:
            write(f"{report.filename}: dry run, nothing applied.")
        else:
            write(f"{report.filename}: imported as file #{report.imported_file_id}.")
        if report.test_file:
            write("Note: this is a test file (TK01 flag T).")
        write("")
        _table(
            write,
            ["deposit", "date", "bankgiro", "currency", "amount", "payments"],
            [
                [
                    d.serial,
                    d.date.isoformat(),
                    d.receiving_bankgiro,
                    d.currency,
                    f"{d.amount:.2f}",
                    str(d.payments),
                ]
                for d in report.deposits
            ],
            right={4, 5},
        )
        for title, lines in (
            ("Matched", report.matched),
            ("Already recorded earlier", report.already_recorded),
            ("Unmatched", report.unmatched),
            ("Deductions (TK21)", report.deductions),
        ):
            write("")
            write(f"{title}: {len(lines)}")
            if not lines:
                continue
            _table(
                write,
                ["deposit", "line", "reference", "amount", "currency", "order", "state"],
                [
                    [
                        line.deposit,
                        str(line.line),
                        line.reference or "-",
                        f"{line.amount:.2f}",
                        line.currency,
                        line.order_reference or "-",
                        UNMATCHED_REASONS.get(line.reason, line.state),
                    ]
                    for line in lines
                ],
                right={1, 3},
            )


def _table(write, headers: list[str], rows: list[list[str]], right: set[int]) -> None:
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)
    ]

    def fmt(cells: list[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    write(fmt(headers))
    write(fmt(["-" * w for w in widths]))
    for row in rows:
        write(fmt(row))
