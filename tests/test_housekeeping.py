"""Housekeeping (issue 16): the worker deletes expired sessions and finished task rows after 7
days (policy rules `sessions-expired`, `task-results-7d`), and access, erasure and the deep residue
scan reach both tables, whose rows name a person only inside encoded data."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from consonance.audit.services import SYSTEM
from consonance.people.services import person_get_or_create
from tests.factories import member_code

pytestmark = pytest.mark.django_db
EMAIL = "moa.sten@example.se"


def _sessions_naming(text: str) -> list[str]:
    return [
        s.session_key
        for s in Session.objects.all()
        if text in json.dumps(SessionStore().decode(s.session_data), ensure_ascii=False)
    ]


def _task(*, args: list, finished_days_ago: float | None, status: str = "SUCCESSFUL"):
    now = timezone.now()
    finished = now - dt.timedelta(days=finished_days_ago) if finished_days_ago is not None else None
    return DBTaskResult.objects.create(
        status=status,
        args_kwargs={"args": args, "kwargs": {}},
        task_path="consonance.mail.tasks.mail_send_task",
        backend_name="default",
        queue_name="default",
        run_after=now,
        finished_at=finished,
        exception_class_path="",
        traceback="",
    )


def _verify_deep(email: str = EMAIL) -> dict:
    """The deep scan's findings (the command also fails when it finds residue)."""
    out = io.StringIO()
    try:
        call_command("rights", "verify-erasure", "--email", email, "--deep", "--json", stdout=out)
    except CommandError as error:
        assert "still hold the identifiers" in str(error)
    return json.loads(out.getvalue())


def test_an_abandoned_sign_in_is_erased_with_her_and_the_deep_scan_finds_nothing(
    client, django_capture_on_commit_callbacks
):
    person_get_or_create(email=EMAIL, first_name="Moa", last_name="Sten", actor=SYSTEM)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/konto/", {"email": EMAIL, "first_name": "Moa", "last_name": "Sten"}
        )
    assert response.status_code == 302
    key = client.cookies["sessionid"].value
    assert _sessions_naming(EMAIL) == [key]  # she left before typing the code
    task = _task(args=[EMAIL], finished_days_ago=1)

    call_command("rights", "erase", "--email", EMAIL, stdout=io.StringIO())

    assert _sessions_naming(EMAIL) == [] and not Session.objects.filter(pk=key).exists()
    assert not DBTaskResult.objects.filter(pk=task.pk).exists()
    assert _verify_deep()["residue"] == []


def test_the_deep_scan_reports_a_session_or_task_that_still_names_an_erased_address():
    person = person_get_or_create(email=EMAIL, first_name="Moa", last_name="Sten", actor=SYSTEM)[0]
    call_command("rights", "erase", "--email", EMAIL, stdout=io.StringIO())
    assert _verify_deep()["residue"] == []
    # As a restore of an older copy of these tables would bring back.
    store = SessionStore()
    store["account_pending"] = {"email": EMAIL, "person_id": person.pk}
    store.create()
    _task(args=[EMAIL.upper()], finished_days_ago=2)

    found = {(f["model"], f["reason"]) for f in _verify_deep()["residue"]}

    assert ("sessions.Session", "store") in found
    assert ("django_tasks_database.DBTaskResult", "store") in found


def test_her_export_shows_a_sign_in_in_progress_without_its_key_or_code(
    client, django_capture_on_commit_callbacks, tmp_path
):
    person_get_or_create(email=EMAIL, first_name="Moa", last_name="Sten", actor=SYSTEM)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/konto/", {"email": EMAIL, "first_name": "Moa", "last_name": "Sten"})
    key = client.cookies["sessionid"].value
    code = member_code(mail.outbox[-1].body)
    out = tmp_path / "export.zip"

    call_command("rights", "export", "--email", EMAIL, "--out", str(out), stdout=io.StringIO())

    with zipfile.ZipFile(out) as archive:
        data = archive.read("data.json").decode()
        page = archive.read("index.html").decode()
    assert "Inloggning" in page
    export = json.loads(data)
    sign_in = next(c for c in export["categories"] if c["id"] == "sign_in")
    (record,) = sign_in["records"]["sessions.Session"]
    assert record["session_key"] == "" and key not in data
    assert record["session_data"]["account_pending"]["email"] == EMAIL
    assert code not in json.dumps(record)


# The worker closes the connection between ticks, as in production: the test needs real commits.
@pytest.mark.django_db(transaction=True)
def test_the_worker_clears_expired_sessions_and_prunes_task_rows_after_seven_days(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    expired, fresh = SessionStore(), SessionStore()
    expired.set_expiry(timezone.now() - dt.timedelta(minutes=1))
    expired["x"] = 1
    expired.create()
    fresh["x"] = 1
    fresh.create()
    old_ok = _task(args=[1], finished_days_ago=7.5)
    old_failed = _task(args=[2], finished_days_ago=8, status="FAILED")
    recent = _task(args=[3], finished_days_ago=6)

    call_command("worker", "--once")

    assert not Session.objects.filter(pk=expired.session_key).exists()
    assert Session.objects.filter(pk=fresh.session_key).exists()
    left = set(DBTaskResult.objects.values_list("pk", flat=True))
    assert old_ok.pk not in left and old_failed.pk not in left and recent.pk in left
    run = DBTaskResult.objects.get(task_path="consonance.privacy.tasks.retention_task")
    assert run.status == "SUCCESSFUL"
