"""Backups live in the operations app (issue 18): its commands keep their names, and a job
queued under a backup task's old path (consonance.rights.tasks) before the deploy runs under the
new one."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.apps import apps
from django.core.management import get_commands
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks_db.models import DBTaskResult

migration = import_module("consonance.operations.migrations.0001_queued_backup_tasks_follow")


def test_the_backup_commands_are_operations_and_keep_their_names():
    commands = get_commands()
    assert commands["backup"] == commands["restore"] == "consonance.operations"


@pytest.mark.django_db
def test_a_backup_job_queued_under_its_old_path_follows_the_move():
    def queued(path: str, status: str = "READY") -> DBTaskResult:
        return DBTaskResult.objects.create(
            task_path=path,
            status=status,
            args_kwargs={"args": [], "kwargs": {}},
            backend_name="default",
            run_after=timezone.now(),
            exception_class_path="",
            traceback="",
        )

    waiting = queued("consonance.rights.tasks.backup_task")
    done = queued("consonance.rights.tasks.ledger_push_task", status="SUCCESSFUL")
    other = queued("consonance.rights.tasks.rights_remind_task")
    migration.forward(apps, None)
    for row in (waiting, done, other):
        row.refresh_from_db()
    assert waiting.task_path == "consonance.operations.tasks.backup_task"
    assert import_string(waiting.task_path).name == "backup_task"  # it imports
    assert done.task_path == "consonance.rights.tasks.ledger_push_task"  # history stays
    assert other.task_path == "consonance.rights.tasks.rights_remind_task"
    migration.backward(apps, None)
    waiting.refresh_from_db()
    assert waiting.task_path == "consonance.rights.tasks.backup_task"
