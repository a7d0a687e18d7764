"""Importing a BgMax file from the staff page in two steps: a dry run the coach looks at, then
the import itself. Between the two the file waits under VAR_DIR, minimised (no payer names or
addresses, only what matching needs), for at most a day, named by its hash in a signed token."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

from django.conf import settings
from django.core import signing

from consonance.payments.bankgiro.bgmax_reader import BgMaxError, parse_bgmax
from consonance.payments.bankgiro.imports import ImportReport, import_parsed

STAGING_MAX_AGE = 24 * 60 * 60
_SALT = "consonance.bankgiro.staged"


class StagingExpired(Exception):
    """The preview's token is invalid or too old, or its file is gone: upload it again."""


def _staging_dir() -> Path:
    path = Path(settings.VAR_DIR) / "bankgiro-staging"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _minimised(data: bytes) -> bytes:
    """The file without anything about the payer; same lines, same structure."""
    out = []
    for line in data.decode("latin-1").split("\n"):
        tk = line[:2]
        if tk in ("25", "26", "27", "28", "29"):
            line = tk + ("\r" if line.endswith("\r") else "")
        elif tk in ("20", "21", "22", "23") and len(line) >= 12:
            line = tk + "0" * 10 + line[12:]
        out.append(line)
    return "\n".join(out).encode("latin-1")


def _clean_staging(directory: Path) -> None:
    limit = time.time() - STAGING_MAX_AGE
    for path in directory.glob("*.bgmax"):
        if path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)


def bankgiro_stage(*, data: bytes, filename: str, actor: str) -> tuple[ImportReport, str | None]:
    """Dry-run the file and keep it (minimised) for `bankgiro_apply_staged`. Returns the report
    and the token naming the staged file (None when the file was imported before).

    Raises BgMaxError for a file that cannot be read; nothing is kept then."""
    parsed = parse_bgmax(data, filename=filename)
    sha256 = hashlib.sha256(data).hexdigest()
    report = import_parsed(parsed, sha256=sha256, filename=filename, dry_run=True, actor=actor)
    if report.already_imported:
        return report, None
    staging = _staging_dir()
    _clean_staging(staging)
    (staging / f"{sha256}.bgmax").write_bytes(_minimised(data))
    return report, signing.dumps({"sha256": sha256, "filename": filename}, salt=_SALT)


def bankgiro_apply_staged(*, token: str, actor: str) -> ImportReport:
    """Import the file a preview staged. Raises StagingExpired when it cannot be found."""
    try:
        named = signing.loads(token, salt=_SALT, max_age=STAGING_MAX_AGE)
        sha256 = str(named["sha256"])
        filename = str(named["filename"])
        if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
            raise signing.BadSignature
    except (signing.BadSignature, KeyError, TypeError) as error:
        raise StagingExpired from error
    staged = _staging_dir() / f"{sha256}.bgmax"
    try:
        parsed = parse_bgmax(staged.read_bytes(), filename=filename)
    except (OSError, BgMaxError) as error:
        raise StagingExpired from error
    report = import_parsed(parsed, sha256=sha256, filename=filename, dry_run=False, actor=actor)
    staged.unlink(missing_ok=True)
    return report
