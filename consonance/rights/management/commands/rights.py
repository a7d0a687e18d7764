"""`consonance rights export|erase|verify-erasure`: the data subject's rights from the shell."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from consonance.audit.services import SYSTEM
from consonance.lib.text import normalise_email
from consonance.mail.outbox import mail_is_suppressed
from consonance.people.models import Person
from consonance.people.selectors import person_by_email
from consonance.rights.erasure import ErasureFailed, person_erase
from consonance.rights.export import export_zip
from consonance.rights.ledger import ledger_knows
from consonance.rights.models import Request
from consonance.rights.residue import Identifiers, find_residue, identifiers_of
from consonance.rights.services import request_record


def _person(email: str) -> Person:
    person = person_by_email(email)
    if person is None:
        raise CommandError("no person has this e-mail address", returncode=2)
    return person


class Command(BaseCommand):
    help = (
        "Data subject rights: `export --email A --out F.zip` (access, portability), "
        "`erase --email A [--json]` (erasure with receipt), "
        "`verify-erasure --email A [--deep]` (residue scan)."
    )

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="Write everything held about a person to a ZIP.")
        export.add_argument("--email", required=True)
        export.add_argument("--out", required=True, help="The ZIP file to write.")
        export.add_argument("--language", choices=["sv", "en"], default=None)
        erase = sub.add_parser(
            "erase", help="Erase a person (legal holds kept) and print the receipt."
        )
        erase.add_argument("--email", required=True)
        erase.add_argument("--json", action="store_true", help="Print the receipt as JSON.")
        verify = sub.add_parser(
            "verify-erasure",
            help="Search every registry table for a person's identifiers; exit 1 on residue.",
        )
        verify.add_argument("--email", required=True)
        verify.add_argument(
            "--deep",
            action="store_true",
            help="Also scan every text column of every table, declared or not.",
        )
        verify.add_argument("--json", action="store_true")

    def handle(self, *args, action: str, **options) -> None:
        if action == "export":
            self._export(options["email"], options["out"], options["language"])
        elif action == "erase":
            self._erase(options["email"], options["json"])
        else:
            self._verify(options["email"], options["deep"], options["json"])

    def _export(self, email: str, out: str, language: str | None) -> None:

        person = _person(email)
        target = Path(out)
        if not target.parent.is_dir():
            raise CommandError(f"{out}:0: cannot write: no such directory")
        request_record(person=person, kind=Request.Kind.PORTABILITY, actor=SYSTEM, note="kommando")
        data = export_zip(person, language=language or person.language, staff_copy=True)
        try:
            target.write_bytes(data)
        except OSError as error:
            raise CommandError(f"{out}:0: cannot write: {error.strerror}") from None
        self.stdout.write(f"{out}: {len(data)} bytes (person #{person.pk})")

    def _erase(self, email: str, as_json: bool) -> None:

        person = _person(email)
        try:
            receipt = person_erase(person=person, actor=SYSTEM, via="kommando")
        except ErasureFailed as failed:
            for finding in failed.findings:
                self.stderr.write(
                    f"residue: {finding.model} #{finding.pk} ({', '.join(finding.fields)})"
                )
            raise CommandError("erasure failed and was rolled back: residue found") from None
        if as_json:
            self.stdout.write(json.dumps(receipt.as_dict(), ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"Erasure receipt {receipt.token} ({receipt.issued_at.isoformat()})")
        for entry in receipt.erased:
            self.stdout.write(f"  erased  {entry['category']}: {entry['count']}")
        for entry in receipt.kept:
            self.stdout.write(
                f"  kept    {entry['category']}: {entry['count']} until {entry['until']} "
                f"({entry['reason']})"
            )

    def _verify(self, email: str, deep: bool, as_json: bool) -> None:

        person = person_by_email(email)
        if person is not None:
            ids = identifiers_of(person)
        else:
            ids = Identifiers(emails={normalise_email(email)})
        result = find_residue(ids, deep=deep)
        if (
            person is None
            and not result.residue
            and not result.held
            and not mail_is_suppressed(email)
            and not ledger_knows(email)  # an address she had left before she was erased
        ):
            raise CommandError(
                "no person and no erasure is known for this e-mail address", returncode=2
            )
        if as_json:
            self.stdout.write(
                json.dumps(
                    {
                        "person_exists": person is not None,
                        "residue": [f.as_dict() for f in result.residue],
                        "held": [f.as_dict() for f in result.held],
                        "pending": [f.as_dict() for f in result.pending],
                        "tables": result.tables,
                        "deep": deep,
                    },
                    indent=2,
                )
            )
        else:
            self._print_findings(result)
        if person is not None:
            raise CommandError(
                f"person #{person.pk} still exists: nothing has been erased", returncode=1
            )
        if result.residue:
            raise CommandError(
                f"{len(result.residue)} row(s) outside the legal holds still hold the identifiers",
                returncode=1,
            )
        if as_json:  # the JSON above says it all; stdout stays one JSON document
            return
        self.stdout.write(
            f"No residue in {result.tables} tables"
            + (" (deep scan)" if deep else "")
            + f"; {len(result.held)} row(s) kept under a legal hold"
            + (
                f"; the erasure receipt still waits in the outbox ({len(result.pending)} "
                "message): the address is held there until it is sent."
                if result.pending
                else "."
            )
        )

    def _print_findings(self, result) -> None:
        for finding in result.residue:
            self.stdout.write(
                f"residue: {finding.model} #{finding.pk} ({', '.join(finding.fields)})"
            )
        for finding in result.held:
            self.stdout.write(
                f"held:    {finding.model} #{finding.pk} ({', '.join(finding.fields)}): "
                f"{finding.reason}"
            )
        for finding in result.pending:
            self.stdout.write(
                f"pending: {finding.model} #{finding.pk} ({finding.reason}; "
                "deleted as soon as it is sent)"
            )
