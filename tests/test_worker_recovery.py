"""Tasks survive a dead worker (issue 12): a worker killed with SIGKILL mid-task leaves the task
RUNNING; after CONSONANCE_TASK_TIMEOUT the next worker puts it back in the queue and runs it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from consonance.worker.recovery import requeue_abandoned
from tests.slow_task import slow_mark

pytestmark = pytest.mark.django_db(transaction=True)
REPO = Path(__file__).resolve().parent.parent


def database_url() -> str:
    conf = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{conf['NAME']}"
    user = conf["USER"] + (f":{conf['PASSWORD']}" if conf["PASSWORD"] else "")
    return f"postgres://{user}@{conf['HOST']}:{conf['PORT']}/{conf['NAME']}"


def worker(tmp_path: Path, *args: str, timeout: int = 900) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "consonance.settings",
        "DATABASE_URL": database_url(),
        "CONSONANCE_SITE_URL": "https://consonance.test",
        "CONSONANCE_BACKUP_DIR": str(tmp_path / "backups"),
        "CONSONANCE_ERASURE_LEDGER": str(tmp_path / "ledger.txt"),
        "CONSONANCE_TASK_TIMEOUT": str(timeout),
        "CONSONANCE_LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "consonance", "worker", "--interval", "0.2", *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def test_a_task_of_a_worker_killed_mid_run_is_run_again_after_the_timeout(settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    marker = tmp_path / "marker.txt"
    result = slow_mark.enqueue(str(marker))
    first = worker(tmp_path)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert marker.exists(), first.stderr.read1().decode() if first.poll() is not None else ""
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == TaskResultStatus.RUNNING  # left behind by the dead worker
    assert requeue_abandoned() == 0  # not before the timeout

    time.sleep(1.2)
    second = worker(tmp_path, "--once", timeout=1)
    _out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err.decode()[-2000:]
    row.refresh_from_db()
    assert row.status == TaskResultStatus.SUCCESSFUL
    assert marker.read_text() == "start\nstart\ndone\n"  # run again once, to the end
    assert len(row.worker_ids) == 2
