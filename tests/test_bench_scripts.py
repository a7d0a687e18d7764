"""Every benchmark still runs (issue 23): each `bench/*.py` script at its smallest size
(CONSONANCE_BENCH_SMOKE=1, read in bench/_common.py), so a benchmark that no longer fits today's
schema or code fails here rather than on the day someone measures. Raw generators get no Django
defaults, so a new NOT NULL column is the usual way one breaks (issue 21, finding 15).

On SQLite always; on PostgreSQL too when the suite runs there (DATABASE_URL), under databases
named after the test database and dropped afterwards. The figures go to var/bench_smoke/, never
over bench/results/."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = sorted(p.name for p in (ROOT / "bench").glob("[!_]*.py"))


def test_every_benchmark_is_covered():
    assert {"retention.py", "rights.py", "scaling.py"} <= set(SCRIPTS)


@pytest.mark.parametrize("script", SCRIPTS)
def test_a_benchmark_runs_at_its_smallest_size(script):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CONSONANCE_"))}
    # A temporary folder Dovecot's own users can enter (mkdtemp's and pytest's are the runner's
    # alone, 0700), for the IMAP benchmarks' servers.
    tmp = tempfile.mkdtemp(prefix="bench-", dir="/tmp")
    os.chmod(tmp, 0o755)
    env |= {"CONSONANCE_BENCH_SMOKE": "1", "TMPDIR": tmp}
    url = os.environ.get("DATABASE_URL", "")
    prefix = None
    if url.startswith("postgres"):
        prefix = f"{url.rsplit('/', 1)[1]}_smoke_{os.getpid()}"
        env |= {
            "CONSONANCE_BENCH_SMOKE_PG": "1",
            "BENCH_PG_URL": f"{url.rsplit('/', 1)[0]}/{prefix}",
        }
    env.pop("DATABASE_URL", None)
    try:
        done = subprocess.run(
            [sys.executable, str(ROOT / "bench" / script)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if prefix:
            _drop_databases(prefix)
    assert done.returncode == 0, (done.stdout[-2000:], done.stderr[-4000:])


def _drop_databases(prefix: str) -> None:
    import psycopg

    with psycopg.connect(
        "host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True
    ) as conn:
        names = [
            r[0]
            for r in conn.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE %s", [f"{prefix}%"]
            )
        ]
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
