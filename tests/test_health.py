"""Knowing when it breaks (issue 16): /healthz for an uptime monitor, and one calm line on the
coach's overview, from the same checks (web/health.py)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from consonance.mail.models import OutboxMessage
from consonance.operations.backup_files import backup_path
from consonance.worker.heartbeat import heartbeat_beat

pytestmark = pytest.mark.django_db
EMAIL = "moa.sten@example.se"
CHECKS = {"database", "migrations", "worker", "backup", "mail_queue", "failed_tasks"}


@pytest.fixture
def backups(settings, tmp_path):
    settings.BACKUP_DIR = tmp_path / "backups"

    def take(hours_ago: float) -> None:
        backup_path(timezone.now() - dt.timedelta(hours=hours_ago)).write_bytes(b"x")

    return take


def _all_fine(backups) -> None:
    heartbeat_beat()
    backups(hours_ago=3)


def _stuck(minutes: int) -> None:
    """A message the SMTP server has not taken for `minutes` (still queued, retried later)."""
    OutboxMessage.objects.create(
        recipient=EMAIL,
        subject="Hej Moa",
        body_text="Hej",
        template="booking_confirmed",
        message_id="<1@consonance.test>",
        attempts=3,
        created_at=timezone.now() - dt.timedelta(minutes=minutes),
        next_attempt_at=timezone.now() + dt.timedelta(minutes=4),
    )


def _failed_task() -> None:
    DBTaskResult.objects.create(
        status="FAILED",
        args_kwargs={"args": [EMAIL], "kwargs": {}},
        task_path="consonance.mail.tasks.mail_send_task",
        backend_name="default",
        queue_name="default",
        run_after=timezone.now(),
        finished_at=timezone.now() - dt.timedelta(hours=2),
        exception_class_path="builtins.RuntimeError",
        traceback="RuntimeError",
    )


def test_healthz_answers_200_with_every_check_fine_over_plain_http(client, settings, backups):
    settings.SECURE_SSL_REDIRECT = True  # production: /healthz stays reachable over http
    _all_fine(backups)

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["status"] == "ok" and set(body["checks"]) == CHECKS
    assert all(check["ok"] for check in body["checks"].values())
    assert body["checks"]["worker"]["age_seconds"] < 60
    assert body["checks"]["worker"]["limit_seconds"] == 300
    assert 3 * 3600 - 60 < body["checks"]["backup"]["age_seconds"] < 3 * 3600 + 60
    assert body["checks"]["mail_queue"] == {
        "ok": True,
        "age_seconds": None,
        "limit_seconds": 900,
        "count": 0,
    }
    assert client.get("/staff/").status_code == 301  # the rest of the site is redirected


def test_healthz_is_503_naming_each_failing_check_without_personal_data(client, backups):
    heartbeat_beat(now=timezone.now() - dt.timedelta(minutes=10))
    backups(hours_ago=30)
    _stuck(minutes=20)
    _failed_task()

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    checks = body["checks"]
    assert body["status"] == "failing"
    assert checks["database"]["ok"] and checks["migrations"] == {"ok": True, "count": 0}
    assert not checks["worker"]["ok"] and 590 < checks["worker"]["age_seconds"] < 660
    assert not checks["backup"]["ok"] and checks["backup"]["limit_seconds"] == 26 * 3600
    assert not checks["mail_queue"]["ok"] and checks["mail_queue"]["count"] == 1
    assert checks["failed_tasks"] == {"ok": False, "count": 1}
    assert "@" not in response.content.decode() and "moa" not in response.content.decode()


def test_healthz_is_503_when_no_worker_ever_ran_or_a_migration_is_missing(client, backups):
    backups(hours_ago=1)
    body = client.get("/healthz").json()
    assert body["checks"]["worker"] == {"ok": False, "age_seconds": None, "limit_seconds": 300}

    heartbeat_beat()
    MigrationRecorder.Migration.objects.filter(app="worker", name="0003_heartbeat").delete()
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == {"ok": False, "count": 1}


def test_healthz_answers_only_the_allowed_host_names(client, backups):
    _all_fine(backups)
    assert client.get("/healthz", HTTP_HOST="evil.example").status_code == 400


def test_the_overview_says_nothing_when_all_is_fine(staff_client, backups):
    _all_fine(backups)
    page = staff_client.get("/staff/").content.decode()
    assert "health-warning" not in page and "säg till den som sköter servern" not in page


def test_the_overview_says_in_one_line_what_is_wrong_in_swedish_and_english(staff_client, backups):
    silent_since = timezone.now() - dt.timedelta(minutes=10)
    heartbeat_beat(now=silent_since)
    backups(hours_ago=1)
    _failed_task()
    clock = timezone.localtime(silent_since).strftime("%H:%M")

    page = staff_client.get("/staff/").content.decode()

    line = page.split('class="health-warning" role="status">')[1].split("</p>")[0]
    assert line == (
        f"Bakgrundsarbetet har inte kört sedan kl. {clock} och 1 bakgrundsuppgift har "
        "misslyckats det senaste dygnet – säg till den som sköter servern."
    )
    staff_client.cookies["django_language"] = "en"
    page = staff_client.get("/staff/").content.decode()
    assert f"Background work has not run since {clock} and 1 background task" in page
    assert "tell whoever looks after the server." in page


def test_the_overview_names_stuck_mail_and_an_old_backup(staff_client, backups):
    heartbeat_beat()
    backups(hours_ago=50)
    _stuck(minutes=30)

    page = staff_client.get("/staff/").content.decode()

    line = page.split('class="health-warning" role="status">')[1].split("</p>")[0]
    assert line.startswith("Den senaste säkerhetskopian togs ")
    assert " och e-post har väntat på att skickas sedan kl. " in line
    assert json.dumps(EMAIL) not in page
