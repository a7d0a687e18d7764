"""Backups off the machine (issue 16): each backup goes to an S3-compatible bucket (a local moto
server here), is verified there, is listed by `consonance backup --list` with when it expires,
rotates there too, and can be restored from there; a failed upload is an error that deletes
nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import socket
import subprocess
import sys
import time
import uuid
from io import StringIO
from pathlib import Path

import boto3
import pytest
import time_machine
from django.core import mail
from django.core.management import CommandError, call_command
from django.tasks import TaskResultStatus

from consonance.mail.outbox import address_hash
from consonance.operations.backup_files import backup_times
from consonance.operations.tasks import backup_task
from consonance.people.models import Person
from tests.factories import EMAIL, change_address, populated_person

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="session")
def moto_url():
    """A moto S3 server on local ports (5101, 5102, ... one per test process; from another
    first port with CONSONANCE_TEST_S3_PORT, when several checkouts test at once)."""
    first = int(os.environ.get("CONSONANCE_TEST_S3_PORT", "5101"))
    port = first + int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
    server = subprocess.Popen(
        [Path(sys.executable).parent / "moto_server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                server.kill()
                raise
            time.sleep(0.2)
    yield f"http://127.0.0.1:{port}"
    server.terminate()
    server.wait(10)


@pytest.fixture
def bucket(moto_url, settings):
    """A fresh bucket, configured as the backup destination."""
    name = f"backups-{uuid.uuid4().hex[:12]}"
    settings.BACKUP_S3_BUCKET = name
    settings.BACKUP_S3_ENDPOINT_URL = moto_url
    settings.BACKUP_S3_REGION = "us-east-1"
    settings.BACKUP_S3_ACCESS_KEY_ID = "testing"
    settings.BACKUP_S3_SECRET_ACCESS_KEY = "testing"
    settings.BACKUP_S3_PREFIX = "consonance/"
    s3 = boto3.client(
        "s3",
        endpoint_url=moto_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    s3.create_bucket(Bucket=name)
    return s3, name


def keys(s3, name) -> list[str]:
    return [o["Key"] for o in s3.list_objects_v2(Bucket=name).get("Contents", [])]


def test_a_backup_is_uploaded_and_verified_by_its_sha256(bucket, settings):
    s3, name = bucket
    populated_person()
    out = StringIO()
    call_command("backup", stdout=out)
    local = settings.BACKUP_DIR / f"consonance-{backup_times()[0]:%Y%m%dT%H%M%SZ}.backup"
    key = f"consonance/{local.name}"
    # The person keys' backup and the ledger go with it.
    assert keys(s3, name) == [key, key.replace(".backup", ".keys"), "consonance/erasure-ledger.txt"]
    assert f"s3://{name}/{key}: uploaded and verified (SHA-256)" in out.getvalue()
    stored = s3.get_object(Bucket=name, Key=key)
    assert stored["Body"].read() == local.read_bytes()
    assert stored["Metadata"]["sha256"] == hashlib.sha256(local.read_bytes()).hexdigest()


def test_a_failed_upload_fails_the_command_and_the_task_and_deletes_nothing(bucket, settings):
    with time_machine.travel(dt.datetime(2026, 10, 1, 3, tzinfo=dt.UTC)):
        call_command("backup", stdout=StringIO())  # an old one, due for rotation later
    settings.BACKUP_S3_BUCKET = "no-such-bucket"
    with time_machine.travel(dt.datetime(2026, 11, 29, 3, tzinfo=dt.UTC)):
        with pytest.raises(CommandError) as error:
            call_command("backup", stdout=StringIO())
        message = str(error.value)
        assert message.startswith("s3://no-such-bucket/consonance/consonance-20261129T030000Z")
        assert "upload failed" in message and "the backup is kept at" in message
        assert "\n" not in message
        result = backup_task.enqueue()  # the worker's daily run
        assert result.status == TaskResultStatus.FAILED
        assert "upload failed" in result.errors[0].traceback
    # Both local copies of the day and the old one are still there: nothing was rotated.
    assert [t.date() for t in backup_times()] == [dt.date(2026, 10, 1), dt.date(2026, 11, 29)]


def test_the_worker_task_uploads_and_rotation_deletes_expired_copies_there(bucket):
    s3, name = bucket
    for days in (40, 20, 0):
        moment = dt.datetime(2026, 11, 29, 3, tzinfo=dt.UTC) - dt.timedelta(days=days)
        with time_machine.travel(moment):
            assert backup_task.enqueue().status == TaskResultStatus.SUCCESSFUL
    expected = ["consonance-20261109T030000Z.backup", "consonance-20261129T030000Z.backup"]
    # Key backups are kept 3 days (CONSONANCE_KEY_BACKUP_DAYS), not the backups' 30.
    expected += ["consonance-20261129T030000Z.keys", "erasure-ledger.txt"]
    assert keys(s3, name) == [f"consonance/{n}" for n in expected]
    assert [t.day for t in backup_times()] == [9, 29]


def test_backup_list_shows_where_each_copy_is_its_size_and_when_it_expires(bucket, settings):
    _s3, name = bucket
    with time_machine.travel(dt.datetime(2026, 11, 20, 3, tzinfo=dt.UTC)):
        call_command("backup", stdout=StringIO())
    out = StringIO()
    call_command("backup", "--list", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["TAKEN", "(UTC)", "EXPIRES", "(UTC)", "SIZE", "WHERE"]
    size = (settings.BACKUP_DIR / "consonance-20261120T030000Z.backup").stat().st_size
    rows = [line.split(maxsplit=4) for line in lines[1:3]]
    wheres = sorted(row[4].split()[-1] for row in rows)
    assert wheres == [
        str(settings.BACKUP_DIR / "consonance-20261120T030000Z.backup"),
        f"s3://{name}/consonance/consonance-20261120T030000Z.backup",
    ]
    for row in rows:  # taken, expires (30 days later by the policy), size
        assert row[:4] == ["2026-11-20", "03:00", "2026-12-20", "03:00"]
        assert row[4].startswith(f"{size / 1000:.1f} kB")
    assert lines[-1] == "2 copy(ies)."


def test_backup_list_names_an_unreachable_bucket_and_exits_non_zero(bucket, settings):
    call_command("backup", "--out", str(settings.BACKUP_DIR.parent / "x.backup"), stdout=StringIO())
    settings.BACKUP_S3_BUCKET = "no-such-bucket"
    out = StringIO()
    with pytest.raises(CommandError, match=r"^s3://no-such-bucket/consonance/: cannot list"):
        call_command("backup", "--list", stdout=out)
    assert "x.backup" in out.getvalue() and "1 copy(ies)." in out.getvalue()  # the --out copy


BEFORE_BACKUP = dt.datetime(2026, 11, 19, 12, tzinfo=dt.UTC)


def test_a_restore_from_the_bucket(bucket):
    _s3, name = bucket
    with time_machine.travel(BEFORE_BACKUP):  # her key too: a key backup holds keys made by then
        populated_person()
    with time_machine.travel(dt.datetime(2026, 11, 20, 3, tzinfo=dt.UTC)):
        call_command("backup", stdout=StringIO())
    Person.objects.all().delete()
    out = StringIO()
    url = f"s3://{name}/consonance/consonance-20261120T030000Z.backup"
    call_command("restore", url, "--no-input", stdout=out)
    assert "checksums ok" in out.getvalue()
    assert Person.objects.filter(email=EMAIL).exists()
    with pytest.raises(CommandError, match=r"^s3://.*/nothing\.backup:0: cannot download"):
        call_command("restore", f"s3://{name}/nothing.backup", "--no-input", stdout=out)


# Issue 21: a restore on a new machine with only the bucket left keeps every erasure, old
# addresses included, and the receipt counts the bucket's copies.


def _run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_a_restore_on_a_new_machine_from_the_bucket_keeps_every_erasure(
    bucket, client, tmp_path, settings
):
    s3, name = bucket
    with time_machine.travel(BEFORE_BACKUP):
        populated_person()
        populated_person("olle.ek@example.se", "Olle", "Ek")
    with time_machine.travel(dt.datetime(2026, 11, 20, 3, tzinfo=dt.UTC)):
        _run("backup")  # holds Klara under her first address
    change_address(client, "klara.ny@example.se")
    _run("rights", "erase", "--email", "klara.ny@example.se")
    ledger = s3.get_object(Bucket=name, Key="consonance/erasure-ledger.txt")["Body"].read()
    assert address_hash(EMAIL).encode() in ledger  # off the machine at once, old address too
    # A new machine: an empty data folder, an empty backup folder, an empty database.
    settings.ERASURE_LEDGER = tmp_path / "new-var" / "erasure-ledger.txt"
    settings.BACKUP_DIR = tmp_path / "new-var" / "backups"
    call_command("flush", interactive=False, verbosity=0)
    url = f"s3://{name}/consonance/consonance-20261120T030000Z.backup"
    out = _run("restore", url, "--no-input")
    assert f"Erasure ledger: s3://{name}/consonance/erasure-ledger.txt." in out
    # The person keys come from the bucket's key backup of the same moment.
    assert f"Person keys: s3://{name}/consonance/consonance-20261120T030000Z.keys, taken" in out
    assert "1 later erasure(s) applied again" in out
    assert Person.objects.filter(email="olle.ek@example.se").exists()
    for address in (EMAIL, "klara.ny@example.se"):
        assert not Person.objects.filter(email=address).exists()
        assert "No residue" in _run("rights", "verify-erasure", "--email", address, "--deep")


def test_the_receipt_counts_the_copies_in_the_bucket(bucket, settings, tmp_path):
    with time_machine.travel(BEFORE_BACKUP):
        populated_person()
        populated_person("olle.ek@example.se", "Olle", "Ek")
    with time_machine.travel(dt.datetime(2026, 11, 20, 3, tzinfo=dt.UTC)):
        _run("backup")
    settings.BACKUP_DIR = tmp_path / "new-var" / "backups"  # only the bucket holds a copy
    with time_machine.travel(dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC)):
        _run("rights", "erase", "--email", EMAIL)
    body = " ".join(mail.outbox[-1].body.split())
    assert "Ingen av webbplatsens säkerhetskopior" not in body
    assert "tills de raderas senast 20 december 2026." in body
    settings.BACKUP_S3_BUCKET = "no-such-bucket"  # unlisted: the window from the erasure on
    with time_machine.travel(dt.datetime(2026, 11, 26, 12, tzinfo=dt.UTC)):
        _run("rights", "erase", "--email", "olle.ek@example.se")
    assert "tills de raderas senast 26 december 2026." in " ".join(mail.outbox[-1].body.split())
