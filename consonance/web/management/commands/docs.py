"""`consonance docs hooks [--write]`: the README's hook table, from the hooks themselves."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from consonance.lib.hooks import hooks_table, readme_with_hooks_table


class Command(BaseCommand):
    help = "Documentation made from the code: `hooks [--write]`, the README's hook table."

    def add_arguments(self, parser) -> None:
        parser.add_argument("what", choices=["hooks"], help="hooks: every hook and its handlers")
        parser.add_argument("--write", action="store_true", help="write it into README.md")

    def handle(self, *args, what: str, write: bool, **options) -> None:
        if not write:
            self.stdout.write(hooks_table(), ending="")
            return
        readme = Path(settings.BASE_DIR) / "README.md"
        readme.write_text(readme_with_hooks_table(readme.read_text()))
        self.stdout.write(f"{readme}: the hook table written")
