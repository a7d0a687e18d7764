"""Person keys apart from the data backups (issue 19): a backup holds no person key; the keys go
into a key backup of their own, encrypted under the backup key and kept days (not the backups'
window); a restore takes both; an erasure receipt says when her destroyed key leaves the last
key backup."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import CommandError, call_command

from consonance.operations.backup import backup_read
from consonance.operations.backup_files import backup_times
from consonance.operations.backup_keys import KEY_TABLE, keys_read
from consonance.operations.tasks import keys_rotate_task
from consonance.people.keys import person_decrypt, person_encrypt
from consonance.people.models import Person, PersonKey
from consonance.rights.erasure import person_erase
from consonance.worker.schedule import schedule
from tests.factories import EMAIL, populated_person, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def _run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_a_backup_holds_no_person_key_and_its_key_backup_holds_them_encrypted(tmp_path):
    klara = populated_person()
    secret = person_encrypt(klara, "Hemlig anteckning", context="note")
    out = tmp_path / "b.backup"
    printed = _run("backup", "--out", str(out))
    assert f"{out}.keys: " in printed
    header, data = backup_read(out)
    assert KEY_TABLE not in data and KEY_TABLE not in header["tables"]
    assert header["format"] == 2
    wrapped = PersonKey.objects.get(person=klara).wrapped_key
    raw = (tmp_path / "b.backup.keys").read_bytes()
    assert bytes(wrapped) not in raw and b"wrapped_key" not in raw  # encrypted
    key_header, table = keys_read(tmp_path / "b.backup.keys")
    assert key_header["rows"] == 1 and key_header["taken_at"] == header["taken_at"]
    assert json.loads(table)[0]["pk"] == klara.pk
    # Neither file is readable as gzip'd JSON without the key.
    with pytest.raises(OSError):
        gzip.decompress(raw)
    # Restored, the key comes back from the key backup and opens what it encrypted.
    PersonKey.objects.all().delete()
    printed = _run("restore", str(out), "--no-input")
    assert f"Person keys: {out}.keys" in printed and "1 person key(s) restored" in printed
    assert person_decrypt(Person.objects.get(pk=klara.pk), secret, context="note") == (
        "Hemlig anteckning"
    )


def test_a_restore_without_a_key_backup_says_what_is_wrong(tmp_path, settings):
    populated_person()
    out = tmp_path / "b.backup"
    _run("backup", "--out", str(out))
    (tmp_path / "b.backup.keys").unlink()
    for leftover in settings.BACKUP_DIR.glob("*.keys"):
        leftover.unlink()
    with pytest.raises(CommandError) as error:
        _run("restore", str(out), "--no-input")
    message = str(error.value)
    assert message.startswith(f"{out}:0: no key backup taken at or after ")
    assert "everything encrypted in it stays unreadable" in message and "\n" not in message
    assert Person.objects.filter(email=EMAIL).exists() and PersonKey.objects.exists()
    printed = _run("restore", str(out), "--no-input", "--without-keys")
    assert "0 person key(s) restored" in printed
    assert Person.objects.filter(email=EMAIL).exists() and not PersonKey.objects.exists()


def test_an_older_key_backup_named_is_refused(tmp_path):
    populated_person()
    _run("backup", "--out", str(tmp_path / "old.backup"))
    _run("backup", "--out", str(tmp_path / "new.backup"))
    with pytest.raises(CommandError, match=r"old\.backup\.keys:0: taken .*before the backup"):
        _run(
            "restore",
            str(tmp_path / "new.backup"),
            "--no-input",
            "--keys",
            str(tmp_path / "old.backup.keys"),
        )


def test_key_backups_rotate_within_days_while_backups_stay_their_window(settings):
    assert settings.KEY_BACKUP_DAYS == 3
    populated_person()
    for days in (5, 3, 0):
        moment = dt.datetime(2026, 11, 29, 3, tzinfo=dt.UTC) - dt.timedelta(days=days)
        with time_machine.travel(moment):
            _run("backup")
    assert [t.day for t in backup_times()] == [24, 26, 29]  # 30 days
    keys = sorted(p.name for p in settings.BACKUP_DIR.glob("*.keys"))
    assert keys == ["consonance-20261126T030000Z.keys", "consonance-20261129T030000Z.keys"]
    with time_machine.travel(dt.datetime(2026, 11, 29, 4, tzinfo=dt.UTC)):  # the hourly job
        assert keys_rotate_task.call() == 1
    assert [p.name for p in settings.BACKUP_DIR.glob("*.keys")] == [keys[1]]
    assert any(
        j.name == "key-backups-rotate" and j.every == dt.timedelta(hours=1) for j in schedule()
    )
    listed = _run("backup", "--list")
    assert "1 key backup(s) (the person keys, kept 3 days)." in listed
    # Its expiry: 3 days and the hourly run.
    assert re.search(r"^2026-11-29 03:00 +2026-12-02 04:00 .*20261129T030000Z\.keys$", listed, re.M)


def test_when_the_daily_backup_stops_the_hourly_job_keeps_a_fresh_key_backup(settings):
    with time_machine.travel(dt.datetime(2026, 11, 20, 3, tzinfo=dt.UTC)):
        klara = populated_person()
        secret = person_encrypt(klara, "Hemlig anteckning", context="note")
        _run("backup")
    with time_machine.travel(dt.datetime(2026, 11, 20, 20, tzinfo=dt.UTC)):
        keys_rotate_task.call()  # a day has not passed: nothing written
    assert len(list(settings.BACKUP_DIR.glob("*.keys"))) == 1
    for day in (21, 22, 23, 24, 25):  # no backup since the 20th
        with time_machine.travel(dt.datetime(2026, 11, day, 4, tzinfo=dt.UTC)):
            keys_rotate_task.call()
    names = sorted(p.name for p in settings.BACKUP_DIR.glob("*.keys"))
    assert names == [f"consonance-202611{day}T040000Z.keys" for day in (23, 24, 25)]  # 3 days
    backup = settings.BACKUP_DIR / "consonance-20261120T030000Z.backup"
    printed = _run("restore", str(backup), "--no-input")
    assert "consonance-20261125T040000Z.keys" in printed and "1 person key(s) restored" in printed
    assert person_decrypt(Person.objects.get(pk=klara.pk), secret, context="note") == (
        "Hemlig anteckning"
    )


def test_an_older_backup_restores_with_the_newest_keys_and_an_erased_person_stays_unreadable():
    with time_machine.travel(dt.datetime(2026, 11, 19, 3, tzinfo=dt.UTC)):
        klara = populated_person()
        olle = populated_person("olle.ek@example.se", "Olle", "Ek")
        note = person_encrypt(olle, "Olles anteckning", context="note")
    with time_machine.travel(dt.datetime(2026, 11, 20, 3, tzinfo=dt.UTC)):
        _run("backup")
    with time_machine.travel(dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC)):
        person_erase(person=Person.objects.get(pk=klara.pk), actor="system")
        populated_person("ny@example.se", "Ny", "Person")
    with time_machine.travel(dt.datetime(2026, 11, 29, 3, tzinfo=dt.UTC)):
        _run("backup")  # rotates the key backup of the 20th away: Klara's key is gone
    printed = _run("restore", _first(), "--no-input")
    assert "consonance-20261129T030000Z.keys" in printed
    assert "1 person key(s) restored" in printed  # Olle's; Klara had none left, Ny came later
    assert not Person.objects.filter(email=EMAIL).exists()  # the ledger erased her again
    assert (
        person_decrypt(Person.objects.get(pk=olle.pk), note, context="note") == "Olles anteckning"
    )


def _first() -> str:
    from django.conf import settings

    return str(settings.BACKUP_DIR / f"consonance-{backup_times()[0]:%Y%m%dT%H%M%SZ}.backup")


def test_the_receipt_says_when_her_key_leaves_the_last_key_backup(client):
    populated_person()
    with time_machine.travel(dt.datetime(2026, 11, 24, 3, tzinfo=dt.UTC)):
        _run("backup")
    with time_machine.travel(dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC)):
        receipt = person_erase(person=Person.objects.get(email=EMAIL), actor="system")
    body = " ".join(mail.outbox[-1].body.split())
    assert "Din krypteringsnyckel är förstörd." in body
    assert "bara i separata nyckelsäkerhetskopior som sparas i högst 3 dagar" in body
    assert "Den sista som innehåller din nyckel raderas senast 27 november 2026;" in body
    assert "tills de raderas senast 24 december 2026." in body  # the data backups: 30 days
    assert "nyckeln till det" not in body  # no longer in the data backups
    page = " ".join(client.get(f"/en/my-data/receipt/{receipt.token}/").content.decode().split())
    assert "only in separate key backups kept for at most 3 days" in page
    assert "The last one holding your key is deleted by 27 November 2026 at the latest" in page


def test_the_policy_page_says_the_keys_are_kept_apart_for_days(client):
    page = " ".join(client.get("/integritet/").content.decode().split())
    assert "bara i separata nyckelkopior som sparas i högst 3 dagar." in page
    page = " ".join(client.get("/en/privacy/").content.decode().split())
    assert "only in separate key copies kept for at most 3 days." in page


def test_the_erase_page_says_the_key_is_only_in_key_copies_kept_days(client):
    populated_person()
    sign_in(client)
    page = " ".join(client.get("/mina-uppgifter/radera/").content.decode().split())
    assert "bara i nyckelkopior som sparas i högst 3 dagar;" in page
    page = " ".join(client.get("/en/my-data/erase/").content.decode().split())
    assert "only in key copies kept for at most 3 days;" in page
