"""The backup tasks moved from rights to operations (issue 18): jobs queued under their old
paths before the deploy still run, under the new ones. Nothing else changes (no tables)."""

from __future__ import annotations

from django.db import migrations

MOVED = {
    f"consonance.rights.tasks.{name}": f"consonance.operations.tasks.{name}"
    for name in ("backup_task", "ledger_push_task", "keys_rotate_task")
}


def _rename(apps, mapping: dict[str, str]) -> None:
    results = apps.get_model("django_tasks_database", "DBTaskResult")
    for old, new in mapping.items():
        results.objects.filter(task_path=old, status="READY").update(task_path=new)


def forward(apps, schema_editor) -> None:
    _rename(apps, MOVED)


def backward(apps, schema_editor) -> None:
    _rename(apps, {new: old for old, new in MOVED.items()})


class Migration(migrations.Migration):
    dependencies = [("django_tasks_database", "0021_conditional_partial_index_ordering")]

    operations = [migrations.RunPython(forward, backward)]
