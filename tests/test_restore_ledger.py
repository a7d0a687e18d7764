"""Restores that never bring anyone back (issue 21, findings 2, 3, 9): the erasure ledger travels
with the backups and records every address she had; a restore on a new machine (an empty data
folder, only the backup folder left) finds it or refuses; the receipt counts every copy. Through
the commands: `consonance backup`, `rights erase`, `restore --no-input`, `rights verify-erasure`.
The same drill from the bucket is in test_backup_offsite.py."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import CommandError, call_command

from consonance.audit.services import SYSTEM
from consonance.mail.outbox import address_hash
from consonance.operations.backup_files import backup_times
from consonance.people.models import Person
from consonance.people.services import person_get_or_create
from consonance.rights.services import person_address_confirm
from consonance.rights.tokens import address_token
from tests.factories import EMAIL, change_address, populated_person

pytestmark = pytest.mark.django_db(transaction=True)
OLLE = "olle.ek@example.se"
NEW = "klara.ny@example.se"


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def newest_backup(settings) -> str:
    return str(settings.BACKUP_DIR / f"consonance-{backup_times()[-1]:%Y%m%dT%H%M%SZ}.backup")


def new_machine(settings, tmp_path) -> None:
    """An empty data folder (a new CONSONANCE_VAR_DIR: no ledger file) and an empty database;
    only the backup folder is left."""
    settings.ERASURE_LEDGER = tmp_path / "new-var" / "erasure-ledger.txt"
    call_command("flush", interactive=False, verbosity=0)


def assert_erased(*addresses: str) -> None:
    for address in addresses:
        assert not Person.objects.filter(email=address).exists()
        assert "No residue" in run("rights", "verify-erasure", "--email", address, "--deep")


def test_2_a_restore_on_a_new_machine_keeps_an_erasure_made_after_the_backup(tmp_path, settings):
    populated_person()
    populated_person(OLLE, "Olle", "Ek")
    run("backup")
    run("rights", "erase", "--email", EMAIL)
    new_machine(settings, tmp_path)
    out = run("restore", newest_backup(settings), "--no-input")
    assert "1 later erasure(s) applied again" in out
    assert_erased(EMAIL)
    assert Person.objects.filter(email=OLLE).exists()
    # The new machine has the ledger now: a second restore needs nothing else.
    assert address_hash(EMAIL) in settings.ERASURE_LEDGER.read_text()


def test_3_an_erasure_after_an_address_change_reaches_a_backup_with_the_old_address(
    client, tmp_path, settings
):
    populated_person()
    run("backup")  # holds her under her first address
    change_address(client, NEW)
    run("rights", "erase", "--email", NEW)
    ledger = settings.ERASURE_LEDGER.read_text()
    assert address_hash(EMAIL) in ledger and EMAIL not in ledger  # keyed hashes only
    out = run("restore", newest_backup(settings), "--no-input")  # on this machine
    assert "1 later erasure(s) applied again" in out
    assert_erased(EMAIL, NEW)
    new_machine(settings, tmp_path)  # and on a new one
    run("restore", newest_backup(settings), "--no-input")
    assert_erased(EMAIL, NEW)


def test_3_an_address_she_left_before_the_backup_erases_nobody_else(settings):
    klara, _new = person_get_or_create(
        email=EMAIL, first_name="Klara", last_name="Ek", actor=SYSTEM
    )
    person_address_confirm(token=address_token(klara, NEW))  # the link she follows
    # Someone else takes her old address before the backup.
    person_get_or_create(email=EMAIL, first_name="Olle", last_name="Annan", actor=SYSTEM)
    run("backup")
    run("rights", "erase", "--email", NEW)
    out = run("restore", newest_backup(settings), "--no-input")
    assert "1 later erasure(s) applied again" in out
    assert_erased(NEW)
    assert Person.objects.get(email=EMAIL).first_name == "Olle"


def test_without_a_ledger_anywhere_the_restore_stops_with_one_line(tmp_path, settings, monkeypatch):
    populated_person()
    path = tmp_path / "copy.backup"
    run("backup", "--out", str(path))
    (settings.BACKUP_DIR / "erasure-ledger.txt").unlink()  # lost with the old machine
    populated_person(OLLE, "Olle", "Ek")
    with pytest.raises(CommandError) as error:
        run("restore", str(path), "--no-input")
    assert str(error.value) == (
        f"restore refused: no erasure ledger in {settings.ERASURE_LEDGER}, "
        f"{settings.BACKUP_DIR / 'erasure-ledger.txt'}; without it erased people may come back "
        "(--without-ledger to restore anyway)"
    )
    assert Person.objects.filter(email=OLLE).exists()  # nothing changed
    with pytest.raises(CommandError, match=r"^--without-ledger needs a typed confirmation"):
        run("restore", str(path), "--no-input", "--without-ledger")
    monkeypatch.setattr("sys.stdin", StringIO("yes\n"))
    with pytest.raises(CommandError, match=r"^restore cancelled; nothing was changed$"):
        run("restore", str(path), "--without-ledger")
    assert Person.objects.filter(email=OLLE).exists()
    monkeypatch.setattr("sys.stdin", StringIO("without ledger\nyes\n"))
    assert "checksums ok" in run("restore", str(path), "--without-ledger")
    assert not Person.objects.filter(email=OLLE).exists()


def test_9_a_backup_out_copy_is_on_the_receipt_listed_and_rotated(tmp_path, settings):
    populated_person()
    path = tmp_path / "copy.backup"
    with time_machine.travel(dt.datetime(2026, 11, 20, 3, tzinfo=dt.UTC)):
        run("backup", "--out", str(path))
    with time_machine.travel(dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC)):
        run("rights", "erase", "--email", EMAIL)
    body = " ".join(mail.outbox[-1].body.split())
    assert "Ingen av webbplatsens säkerhetskopior" not in body
    assert "Säkerhetskopior tagna före 25 november 2026 innehåller fortfarande" in body
    assert "tills de raderas senast 20 december 2026." in body
    assert "Om en sådan återställs raderas du igen automatiskt" in body
    assert str(path) in run("backup", "--list")
    with time_machine.travel(dt.datetime(2026, 12, 21, 3, tzinfo=dt.UTC)):
        run("backup")  # rotation: the --out copy has expired
    assert not path.exists()
    assert str(path) not in run("backup", "--list")
