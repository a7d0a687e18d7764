"""The `consonance` console script: the project's manage.py.

Before Django runs a command, the settings are loaded here on purpose: without them Django would
go on with its core commands only, and `consonance rights …` would end in a `KeyError: 'rights'`
traceback instead of naming what is missing. A settings problem, or a database that cannot be
reached, is said in one line on stderr (exit 2); no traceback, and never a password.
"""

from __future__ import annotations

import os
import sys

USAGE_ERROR = 2


def _fail(message: str) -> None:
    print(f"consonance: {message}", file=sys.stderr)
    sys.exit(USAGE_ERROR)


def _database_hint() -> str:
    """Where the database is, without user or password: "postgres at db.example:5432/name"."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    engine = str(db.get("ENGINE", "")).rsplit(".", 1)[-1]
    if engine == "sqlite3":
        return f"SQLite at {db.get('NAME')}"
    host = f"{db.get('HOST') or 'localhost'}:{db.get('PORT') or 'default port'}"
    return f"{engine} at {host}/{db.get('NAME')}"


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consonance.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.db import OperationalError

    try:
        from django.conf import settings

        settings.INSTALLED_APPS  # noqa: B018 (loads the settings module now)
    except ImproperlyConfigured as error:
        _fail(f"{error} (see README, 'Configuration')")

    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except OperationalError as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        _fail(f"the database cannot be used ({_database_hint()}; DATABASE_URL): {reason}")


if __name__ == "__main__":
    main()
