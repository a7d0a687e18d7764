"""Member accounts' background work: removing sign-in users nobody ever confirmed."""

from __future__ import annotations

from datetime import timedelta

from django.tasks import task
from django.utils import timezone

from consonance.accounts.services import member_login_users_unused_delete
from consonance.worker.schedule import Periodic

PERIODIC = [
    Periodic(
        "accounts-unused-sign-ins",
        every=timedelta(hours=1),
        task="consonance.accounts.tasks.accounts_unused_sign_ins_task",
    ),
]


@task()
def accounts_unused_sign_ins_task() -> int:
    return member_login_users_unused_delete(before=timezone.now() - timedelta(days=1))
