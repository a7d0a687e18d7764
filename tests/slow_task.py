"""A task for the kill -9 test of the worker (tests/test_worker_recovery.py): it notes each start
in a file and, the first time only, takes long enough to be killed; later runs finish at once."""

from __future__ import annotations

import time
from pathlib import Path

from django.tasks import task


@task()
def slow_mark(path: str) -> str:
    marker = Path(path)
    first = not marker.exists()
    with open(marker, "a") as file:
        file.write("start\n")
    if first:
        time.sleep(120)
    with open(marker, "a") as file:
        file.write("done\n")
    return "done"
