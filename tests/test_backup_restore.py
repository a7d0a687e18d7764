"""Backups that honour erasure (issue 12): `consonance backup` / `consonance restore`, the restore
drill (every row and checksum back), the erasure ledger re-applied, rotation by the policy's
window, and a receipt that says truthfully when the last backup holding the person expires."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import CommandError, call_command

from consonance.audit.services import audit_verify
from consonance.mail.models import OutboxMessage
from consonance.people.models import Person
from consonance.rights.backup import BackupError, backup_read, table_checksums
from consonance.rights.backup_files import backup_times
from consonance.rights.erasure import person_erase
from consonance.rights.models import ErasureReceipt
from consonance.worker.schedule import schedule
from tests.factories import EMAIL, populated_person

pytestmark = pytest.mark.django_db(transaction=True)


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
    Person.objects.filter(email="olle.ek@example.se").update(first_name="Changed")
    out = StringIO()
    call_command("restore", path, stdout=out)
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
    call_command("restore", path, stdout=out)
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
    call_command("restore", path, stdout=StringIO())
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
        call_command("restore", str(altered), stdout=StringIO())
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
    body = mail.outbox[-1].body
    assert "inte heller säkerhetskopior kan läsas" not in body
    assert "Den sista av dem raderas senast 20 december 2026" in body
    page = client.get(f"/mina-uppgifter/kvitto/{receipt.token}/").content.decode()
    assert "Den sista av dem raderas senast 20 december 2026" in page
    assert ErasureReceipt.objects.count() == 1


def test_without_any_backup_the_receipt_says_none_holds_the_data():
    populated_person()
    person_erase(person=Person.objects.get(email=EMAIL), actor="system")
    assert "Ingen av webbplatsens säkerhetskopior" in mail.outbox[-1].body


def test_the_worker_takes_the_backup_daily():
    assert any(job.name == "backup" and job.every == dt.timedelta(days=1) for job in schedule())
