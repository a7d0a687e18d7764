"""Backups that honour erasure (issue 12): `consonance backup` / `consonance restore`, the restore
drill (every row and checksum back), the erasure ledger re-applied, rotation by the policy's
window, and a receipt that says truthfully when the last backup holding the person expires."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.core import mail
from django.core.management import CommandError, call_command

from consonance.audit.models import Event
from consonance.audit.services import audit_verify
from consonance.mail.models import OutboxMessage
from consonance.operations.backup import BackupError, backup_encode, backup_read, table_checksums
from consonance.operations.backup_files import backup_times
from consonance.people.models import Person
from consonance.rights.erasure import person_erase
from consonance.rights.models import ErasureReceipt
from consonance.worker.schedule import schedule
from tests.factories import EMAIL, populated_person

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parent.parent


def backup(tmp_path, name="b.backup") -> str:
    out = tmp_path / name
    call_command("backup", "--out", str(out), stdout=StringIO())
    return str(out)


def test_restore_drill_every_row_and_checksum_back(tmp_path):
    populated_person()
    populated_person("olle.ek@example.se", "Olle", "Ek")
    before = table_checksums()
    path = backup(tmp_path)
    # Changes after the backup: a new person, an edit, a deletion.
    populated_person("ny@example.se", "Ny", "Person")
    olle = Person.objects.get(email="olle.ek@example.se")
    olle.first_name = "Changed"  # encrypted under her key: set on the row, not by update()
    olle.save()
    out = StringIO()
    call_command("restore", path, "--no-input", stdout=out)
    assert "checksums ok" in out.getvalue() and "0 later erasure(s)" in out.getvalue()
    assert table_checksums() == {
        **before,
        "audit.event": table_checksums()["audit.event"],  # the restore itself is audited
    }
    assert before["people.person"]["rows"] == 2
    assert not Person.objects.filter(email="ny@example.se").exists()
    assert Person.objects.get(email="olle.ek@example.se").first_name == "Olle"
    assert audit_verify()[1] is None  # the hash chain holds across the restore


def test_a_restore_re_applies_every_erasure_made_after_the_backup(tmp_path):
    populated_person()
    populated_person("olle.ek@example.se", "Olle", "Ek")
    path = backup(tmp_path)
    person_erase(person=Person.objects.get(email=EMAIL), actor="system")
    mails = len(mail.outbox)
    out = StringIO()
    call_command("restore", path, "--no-input", stdout=out)
    assert "1 later erasure(s) applied again" in out.getvalue()
    assert not Person.objects.filter(email=EMAIL).exists()
    assert Person.objects.filter(email="olle.ek@example.se").exists()
    assert len(mail.outbox) == mails  # no second receipt
    assert not OutboxMessage.objects.filter(recipient=EMAIL).exists()
    verify = StringIO()
    call_command("rights", "verify-erasure", "--email", EMAIL, "--deep", stdout=verify)
    assert "No residue" in verify.getvalue()


def test_the_ledger_file_alone_suffices_when_the_database_was_lost(tmp_path, settings):
    populated_person()
    path = backup(tmp_path)
    person_erase(person=Person.objects.get(email=EMAIL), actor="system")
    ledger = settings.ERASURE_LEDGER.read_text()
    assert EMAIL not in ledger and len(ledger.split()) == 2  # a time and a keyed hash
    call_command("flush", interactive=False, verbosity=0)  # the database is gone
    call_command("restore", path, "--no-input", stdout=StringIO())
    assert not Person.objects.filter(email=EMAIL).exists()


def test_a_backup_is_encrypted_and_refused_with_the_wrong_key_or_when_altered(tmp_path, settings):
    populated_person()
    backup(tmp_path)
    raw = (tmp_path / "b.backup").read_bytes()
    assert EMAIL.encode() not in raw and b"Klara" not in raw
    header, _data = backup_read(tmp_path / "b.backup")
    assert header["tables"]["people.person"]["rows"] == 1
    settings.BACKUP_KEY = "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE="
    with pytest.raises(BackupError):
        backup_read(tmp_path / "b.backup")
    settings.BACKUP_KEY = ""
    altered = tmp_path / "altered.backup"
    altered.write_bytes(raw[:-40] + bytes(40))
    with pytest.raises(CommandError, match=r"altered\.backup:0: cannot read the backup"):
        call_command("restore", str(altered), "--no-input", stdout=StringIO())
    assert Person.objects.filter(email=EMAIL).exists()  # nothing changed


def test_backups_rotate_by_the_policy_window_shown_on_the_policy_page(client, settings):
    for days in (40, 20, 0):
        moment = dt.datetime(2026, 11, 29, 3, tzinfo=dt.UTC) - dt.timedelta(days=days)
        with time_machine.travel(moment):
            call_command("backup", stdout=StringIO())
    assert [t.day for t in backup_times()] == [9, 29]  # the 40-day-old one is gone (30 days)
    page = client.get("/integritet/").content.decode()
    assert "sparas i högst 30 dagar" in page
    assert "kept for at most 30 days" in client.get("/en/privacy/").content.decode()


def test_the_receipt_says_when_the_last_backup_holding_the_person_is_deleted(client):
    populated_person()
    with time_machine.travel(dt.datetime(2026, 11, 20, 3, tzinfo=dt.UTC)):
        call_command("backup", stdout=StringIO())
    with time_machine.travel(dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC)):
        receipt = person_erase(person=Person.objects.get(email=EMAIL), actor="system")
    body = " ".join(mail.outbox[-1].body.split())
    assert "inte heller säkerhetskopior kan läsas" not in body
    assert "Säkerhetskopior tagna före 25 november 2026 innehåller fortfarande" in body
    assert "tills de raderas senast 20 december 2026." in body
    assert "Om en sådan återställs raderas du igen automatiskt" in body
    page = " ".join(client.get(f"/mina-uppgifter/kvitto/{receipt.token}/").content.decode().split())
    assert "tills de raderas senast 20 december 2026." in page
    assert ErasureReceipt.objects.count() == 1


def test_without_any_backup_the_receipt_says_none_holds_the_data():
    populated_person()
    person_erase(person=Person.objects.get(email=EMAIL), actor="system")
    assert "Ingen av webbplatsens säkerhetskopior" in mail.outbox[-1].body


def test_the_worker_takes_the_backup_daily():
    assert any(job.name == "backup" and job.every == dt.timedelta(days=1) for job in schedule())


# Issue 16: a restore that asks, shows its progress, refuses under a running site, and changes
# nothing unless every table comes back exactly.


def _env(tmp_path, **extra) -> dict:
    """The environment of a `consonance` process sharing this test's lock (CONSONANCE_VAR_DIR)."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return {
        **env,
        "DJANGO_SETTINGS_MODULE": "consonance.test_settings",
        "CONSONANCE_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'other.sqlite3'}",
        **extra,
    }


def _consonance(*args) -> list[str]:
    return [sys.executable, "-m", "consonance", *args]


def test_a_restore_asks_first_and_a_refusal_changes_nothing(tmp_path, monkeypatch):
    populated_person()
    path = backup(tmp_path)
    populated_person("ny@example.se", "Ny", "Person")
    events = Event.objects.count()
    monkeypatch.setattr("sys.stdin", StringIO("no\n"))
    out = StringIO()
    with pytest.raises(CommandError, match=r"^restore cancelled; nothing was changed$"):
        call_command("restore", path, stdout=out)
    assert 'Type "yes" to restore' in out.getvalue() or "replaces every row" in out.getvalue()
    assert Person.objects.filter(email="ny@example.se").exists()
    assert Event.objects.count() == events
    monkeypatch.setattr("sys.stdin", StringIO("yes\n"))
    out = StringIO()
    call_command("restore", path, stdout=out)
    assert not Person.objects.filter(email="ny@example.se").exists()
    # Progress: one line per table with its rows, then the summary.
    assert re.search(r"^  people\.person +1$", out.getvalue(), re.MULTILINE)
    assert re.search(r"^  audit\.event +\d+$", out.getvalue(), re.MULTILINE)


def _with_wrong_checksum(source: Path, target: Path, table: str) -> str:
    """A genuine, readable backup whose header records another checksum for `table` (as a
    backup would whose rows do not come back the same in this database)."""
    header, data = backup_read(source)
    header["tables"][table]["checksum"] = "0" * 64
    target.write_bytes(backup_encode(header, data))
    return str(target)


def _assert_a_differing_checksum_rolls_everything_back(path: str) -> None:
    populated_person("ny@example.se", "Ny", "Person")
    before = table_checksums()
    with pytest.raises(CommandError) as error:
        call_command("restore", path, "--no-input", stdout=StringIO())
    assert str(error.value).endswith(": checksums differ for people.person; nothing was changed")
    assert table_checksums() == before  # not one row of any table changed
    assert Person.objects.filter(email="ny@example.se").exists()


def test_a_differing_checksum_rolls_everything_back(tmp_path):
    populated_person()
    path = _with_wrong_checksum(Path(backup(tmp_path)), tmp_path / "c.backup", "people.person")
    _assert_a_differing_checksum_rolls_everything_back(path)


@pytest.fixture(scope="module")
def sqlite_backup(tmp_path_factory) -> Path:
    """A backup written by a site on SQLite (another process), to restore into this database."""
    folder = tmp_path_factory.mktemp("sqlite_site")
    env = _env(folder)
    for args in (
        ["migrate", "--no-input", "-v", "0"],
        ["shell", "-c", "from tests.factories import populated_person; populated_person()"],
        ["backup", "--out", str(folder / "sqlite.backup")],
    ):
        subprocess.run(_consonance(*args), env=env, check=True, capture_output=True, cwd=ROOT)
    return folder / "sqlite.backup"


def test_a_sqlite_backup_restores_into_this_database_and_checksums_hold(sqlite_backup, settings):
    settings.BACKUP_DIR = sqlite_backup.parent / "backups"  # the SQLite site's, with its ledger
    header, _data = backup_read(sqlite_backup)
    assert header["database"] == "sqlite"
    out = StringIO()
    call_command("restore", str(sqlite_backup), "--no-input", stdout=out)
    assert "checksums ok" in out.getvalue()
    assert Person.objects.get(email=EMAIL).first_name == "Klara"
    assert audit_verify()[1] is None


def test_a_sqlite_backup_with_a_differing_checksum_changes_nothing_here(
    sqlite_backup, tmp_path, settings
):
    settings.BACKUP_DIR = sqlite_backup.parent / "backups"  # the SQLite site's, with its ledger
    path = _with_wrong_checksum(sqlite_backup, tmp_path / "c.backup", "people.person")
    _assert_a_differing_checksum_rolls_everything_back(path)


def _wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def test_no_restore_while_the_site_runs_and_no_site_while_a_restore_runs(tmp_path, settings):
    path = backup(tmp_path)
    settings.MAINTENANCE_LOCK = tmp_path / "maintenance.lock"  # = <CONSONANCE_VAR_DIR>/...
    site = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import consonance.wsgi, sys; print('up', flush=True); sys.stdin.read()",
        ],
        env=_env(tmp_path),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert site.stdout.readline() == "up\n"
    with pytest.raises(CommandError) as error:
        call_command("restore", path, "--no-input", stdout=StringIO())
    assert str(error.value) == (
        f"restore refused: the site (web process) pid {site.pid} is running: stop the site "
        "and the worker first (systemctl stop consonance-web consonance-worker)"
    )
    site.communicate("")  # the site stops
    # A restore waiting for its "yes" holds the lock: neither the site nor the worker starts.
    restore = subprocess.Popen(
        _consonance("restore", path),
        env=_env(tmp_path),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    lock = settings.MAINTENANCE_LOCK
    _wait_for(lambda: lock.exists() and lock.read_text().startswith("consonance restore"), "lock")
    web = subprocess.run(
        [sys.executable, "-c", "import consonance.wsgi"],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert web.returncode == 3  # gunicorn's "failed to boot": it stops; systemd retries
    assert web.stderr.strip() == (
        f"consonance: the site (web process) cannot start: consonance restore {path} "
        f"(pid {restore.pid}) is running; it starts when the restore is done"
    )
    worker = subprocess.run(
        _consonance("worker", "--once"), env=_env(tmp_path), capture_output=True, text=True
    )
    assert worker.returncode == 1 and "the worker cannot start: consonance restore" in worker.stderr
    _out, err = restore.communicate("no\n")
    assert restore.returncode == 1 and "restore cancelled; nothing was changed" in err
