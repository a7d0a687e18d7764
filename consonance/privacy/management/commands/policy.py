from __future__ import annotations

import csv
import json
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from consonance.privacy.mail_types import mail_type_problems, mail_types
from consonance.privacy.policy import PolicyInvalid, get_policy, load_policy
from consonance.privacy.register import CSV_COLUMNS, register_as_dicts, register_as_rows


class Command(BaseCommand):
    help = "The privacy policy file: `check [FILE]` validates it, `register` prints the Art. 30 register."

    requires_system_checks: list[str] = []  # `check` must work on a broken policy file

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("check", help="Validate a policy file (default: the one in force).")
        check.add_argument("file", nargs="?", help="Path to a policy TOML file.")
        register = sub.add_parser("register", help="Print the register of processing.")
        register.add_argument("--format", choices=["csv", "json"], default="json")
        register.add_argument("--language", choices=["sv", "en"], default="sv")

    def handle(self, *args, action: str, **options) -> None:
        if action == "check":
            self._check(options.get("file") or str(settings.CONSONANCE_POLICY))
        else:
            self._register(options["format"], options["language"])

    def _check(self, path: str) -> None:
        try:
            policy = load_policy(path)
            # P20: every mail type the code can send has a purpose this policy lists.
            problems = mail_type_problems(policy)
        except PolicyInvalid as invalid:
            problems = invalid.problems
        if problems:
            for problem in problems:
                self.stderr.write(str(problem))
            raise CommandError(f"{len(problems)} problem(s) in {path}", returncode=1) from None
        self.stdout.write(
            f"{path}: OK ({len(policy.categories)} categories, {len(policy.retention)} retention "
            f"rules, {len(policy.recipients)} recipients, {len(policy.deadlines)} deadlines, "
            f"{len(mail_types())} mail types)"
        )

    def _register(self, fmt: str, language: str) -> None:
        try:
            policy = get_policy()
        except PolicyInvalid as invalid:
            raise CommandError(str(invalid)) from None
        if fmt == "json":
            json.dump(
                register_as_dicts(policy, language), self.stdout, ensure_ascii=False, indent=2
            )
            self.stdout.write("")
            return
        writer = csv.DictWriter(sys.stdout, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(register_as_rows(policy, language))
