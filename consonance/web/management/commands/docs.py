"""`consonance docs hooks|methods [--write]`: the README's hook table, from the hooks themselves,
and its payment methods' configuration table, from the table of methods."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from consonance.lib.hooks import hooks_table, readme_with_hooks_table
from consonance.payments.methods import methods_table, readme_with_methods_table

TABLES = {
    "hooks": (hooks_table, readme_with_hooks_table),
    "methods": (methods_table, readme_with_methods_table),
}


class Command(BaseCommand):
    help = (
        "Documentation made from the code: `hooks [--write]`, the README's hook table; "
        "`methods [--write]`, its payment methods' configuration table."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "what",
            choices=sorted(TABLES),
            help="hooks: every hook and its handlers; methods: each payment method's settings",
        )
        parser.add_argument("--write", action="store_true", help="write it into README.md")

    def handle(self, *args, what: str, write: bool, **options) -> None:
        table, readme_with = TABLES[what]
        if not write:
            self.stdout.write(table(), ending="")
            return
        readme = Path(settings.BASE_DIR) / "README.md"
        readme.write_text(readme_with(readme.read_text()))
        self.stdout.write(f"{readme}: the {what} table written")
