"""`consonance keys rotate` (issue 16): every person key re-wrapped under a new master key while
both keys work, so that afterwards only the new key (and the pinned keys it prints) reads
everything written before: ciphertexts, the audit chain, the hashes of erased addresses."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from consonance.audit.models import Event
from consonance.audit.services import audit_verify
from consonance.lib import keyring
from consonance.mail.outbox import mail_is_suppressed
from consonance.operations.backup import BackupError, backup_read
from consonance.people.keys import person_decrypt, person_encrypt
from consonance.people.models import Person, PersonKey
from consonance.rights.erasure import person_erase
from tests.factories import populated_person

pytestmark = pytest.mark.django_db(transaction=True)

NEW = "bmV3LW1hc3Rlci1rZXktZm9yLXRoZS1yb3RhdGlvbiE="  # 32 bytes, base64


def rotate() -> str:
    out = StringIO()
    call_command("keys", "rotate", stdout=out)
    return out.getvalue()


def test_data_from_before_the_rotation_reads_with_only_the_new_key(settings, tmp_path):
    old = settings.CONSONANCE_MASTER_KEY
    klara = populated_person()
    secret = person_encrypt(klara, "Sover dåligt sedan i våras.", context="note")
    person_erase(person=populated_person("olle@example.se", "Olle", "Ek"), actor="system")
    call_command("backup", "--out", str(tmp_path / "before.backup"), stdout=StringIO())

    # During the rotation: the new key is current, the old one still read.
    settings.CONSONANCE_MASTER_KEY, settings.CONSONANCE_MASTER_KEY_OLD = NEW, old
    assert person_decrypt(klara, secret, context="note") == "Sover dåligt sedan i våras."
    asa = Person.objects.create(email="asa@example.se", first_name="Åsa", last_name="Ö")
    late = person_encrypt(asa, "Ny under rotationen.", context="note")
    assert PersonKey.objects.get(person=asa).key_id == keyring.current_key_id()

    output = rotate()
    new_id = keyring.current_key_id()
    assert f"1 person key(s) to re-wrap under master key {new_id}." in output
    assert f"Done: 1 person key(s) re-wrapped; all are under {new_id}." in output
    assert "remove CONSONANCE_MASTER_KEY_OLD" in output
    assert "systemctl restart consonance-web consonance-worker" in output
    assert set(PersonKey.objects.values_list("key_id", flat=True)) == {new_id}
    event = Event.objects.filter(action="keys.rotated").get()
    assert '"rewrapped":1' in event.detail and new_id in event.detail

    # Afterwards: the old key gone, the printed pins set.
    pinned = re.search(r"CONSONANCE_PINNED_KEYS=(\S+)", output)[1]
    settings.CONSONANCE_MASTER_KEY_OLD, settings.CONSONANCE_PINNED_KEYS = "", pinned
    assert person_decrypt(klara, secret, context="note") == "Sover dåligt sedan i våras."
    assert person_decrypt(asa, late, context="note") == "Ny under rotationen."
    assert audit_verify()[1] is None  # every event's hash, before and after, still holds
    assert mail_is_suppressed("olle@example.se")  # the erased address is still known as such
    # A backup from before the rotation needs the old key, and only that.
    with pytest.raises(BackupError):
        backup_read(tmp_path / "before.backup")
    settings.CONSONANCE_MASTER_KEY_OLD = old
    assert backup_read(tmp_path / "before.backup")[0]["tables"]["people.person"]["rows"] == 1


def test_without_the_pins_the_audit_chain_would_break(settings):
    old = settings.CONSONANCE_MASTER_KEY
    populated_person()
    settings.CONSONANCE_MASTER_KEY, settings.CONSONANCE_MASTER_KEY_OLD = NEW, old
    rotate()
    settings.CONSONANCE_MASTER_KEY_OLD = ""  # the pins forgotten
    assert audit_verify()[1] is not None


def test_a_second_run_finds_nothing_left_and_a_missing_old_key_is_named(settings):
    old = settings.CONSONANCE_MASTER_KEY
    populated_person()
    settings.CONSONANCE_MASTER_KEY, settings.CONSONANCE_MASTER_KEY_OLD = NEW, old
    rotate()
    assert "Done: 0 person key(s) re-wrapped" in rotate()  # resumable: nothing left to do
    # A key under a master key no longer in force: a clear error, nothing changed.
    settings.CONSONANCE_MASTER_KEY, settings.CONSONANCE_MASTER_KEY_OLD = old, ""
    # (A person alone: the books' legal-hold key is under NEW now, which this key cannot open.)
    Person.objects.create(email="olle@example.se", first_name="Olle", last_name="Ek")
    settings.CONSONANCE_MASTER_KEY = NEW
    before = list(PersonKey.objects.order_by("pk").values_list("key_id", "wrapped_key"))
    with pytest.raises(CommandError, match=r"^keys rotate: person key #\d+ is wrapped by master"):
        rotate()
    assert list(PersonKey.objects.order_by("pk").values_list("key_id", "wrapped_key")) == before
