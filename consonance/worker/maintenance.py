"""The maintenance lock: a restore runs only while neither the site nor the worker is up.

Every web process (consonance/wsgi.py) and the worker hold a shared `flock` on
settings.MAINTENANCE_LOCK for as long as they live; `consonance restore` takes it exclusively,
without waiting. The kernel drops a lock when its process dies, so a crash never leaves a stale
lock behind. Beside the lock each holder writes `<lock>.d/<role>.<pid>` so that a refused restore
can say in one line what is running (entries of dead processes are ignored and removed).

A web process or worker started while a restore holds the lock refuses to start with one line
(MaintenanceLocked); systemd starts it again a few seconds later (Restart= in deploy/).
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from django.conf import settings

ROLES = {"web": "the site (web process)", "worker": "the worker"}
_held: list[IO[str]] = []  # kept open for the life of the process: closing drops the lock


class MaintenanceLocked(Exception):
    """The lock is held the other way: a restore is running, or the site/worker is up."""


def _lock_file() -> IO[str]:
    path = Path(settings.MAINTENANCE_LOCK)
    path.parent.mkdir(parents=True, exist_ok=True)
    return open(path, "a+", encoding="ascii")


def _holders_dir() -> Path:
    return Path(f"{settings.MAINTENANCE_LOCK}.d")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def hold_shared(role: str) -> None:
    """Called once by each web process and worker at start; MaintenanceLocked during a restore."""
    file = _lock_file()
    try:
        fcntl.flock(file, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        file.seek(0)
        who = file.read().strip() or "a restore"
        file.close()
        raise MaintenanceLocked(
            f"{ROLES[role]} cannot start: {who} is running; it starts when the restore is done"
        ) from None
    _held.append(file)
    marker = _holders_dir() / f"{role}.{os.getpid()}"
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.touch()
    atexit.register(marker.unlink, missing_ok=True)


def running() -> list[str]:
    """What holds the lock now, e.g. ["the site (web process) pid 41", "the worker pid 42"]."""
    found = []
    folder = _holders_dir()
    for marker in sorted(folder.iterdir()) if folder.is_dir() else []:
        role, _dot, pid = marker.name.partition(".")
        if pid.isdigit() and _alive(int(pid)) and role in ROLES:
            found.append(f"{ROLES[role]} pid {pid}")
        else:
            marker.unlink(missing_ok=True)
    return found


@contextlib.contextmanager
def exclusive(what: str) -> Iterator[None]:
    """Hold the lock alone while the block runs (a restore); MaintenanceLocked, naming what is
    running, when the site or the worker is up."""
    file = _lock_file()
    try:
        fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        file.close()
        names = running() or ["another process (a web process, the worker or a restore)"]
        raise MaintenanceLocked(
            f"{' and '.join(names)} {'is' if len(names) == 1 else 'are'} running: "
            "stop the site and the worker first (systemctl stop consonance-web consonance-worker)"
        ) from None
    try:
        file.truncate(0)
        file.write(f"{what} (pid {os.getpid()})")
        file.flush()
        yield
    finally:
        file.truncate(0)
        file.close()
