"""Shared helpers for the benchmarks: Django set-up on a throwaway database, timing, results.

Every benchmark is `bench/<name>.py`, runnable on its own or through `make bench`; it prints a
table and writes its figures to `bench/results/<name>.json`. Benchmarks that compare databases
run themselves once per database in a subprocess (Django is configured once per process).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/consonance_bench")

# CONSONANCE_BENCH_SMOKE=1: every benchmark at its smallest size, on SQLite only (PostgreSQL too
# when CONSONANCE_BENCH_SMOKE_PG=1), its figures written under var/bench_smoke/ rather than over
# bench/results/. The suite runs each script so (tests/test_bench_scripts.py), so a benchmark that
# no longer runs on today's schema fails CI.


def smoke() -> bool:
    return os.environ.get("CONSONANCE_BENCH_SMOKE") == "1"


def size(full: int, smallest: int) -> int:
    """`full` for a measurement, `smallest` in a smoke run."""
    return smallest if smoke() else full


def postgres_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(
            "host=127.0.0.1 port=5432 user=postgres dbname=postgres", connect_timeout=3
        ):
            return True
    except Exception:
        return False


def databases(name: str) -> list[tuple[str, str]]:
    """(label, DATABASE_URL) pairs to run on: SQLite always, PostgreSQL when it answers."""
    folder = ROOT / "var" / ("bench_smoke" if smoke() else "")
    found = [("sqlite", f"sqlite:///{folder / f'bench_{name}.sqlite3'}")]
    if smoke() and os.environ.get("CONSONANCE_BENCH_SMOKE_PG") != "1":
        return found
    if postgres_available():
        # BENCH_PG_URL's database name is the prefix: consonance_bench_<name> by default.
        found.append(("postgresql", f"{PG_URL}_{name}"))
    return found


def fresh_database(url: str) -> None:
    """Drop and recreate the bench database so each run starts empty."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(
        "host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def production_settings() -> None:
    """Settings as a site runs with (before `setup_django`): DEBUG off, fixed bench keys.

    Under DEBUG Django wraps every cursor in its debug wrapper, which formats and keeps each
    statement (on SQLite by one more `SELECT QUOTE(?), ...` per statement with parameters): a
    per-statement cost no site pays, which weighs on the side of a comparison that runs more
    statements. A comparison measured so runs both its sides so.
    """
    os.environ["CONSONANCE_DEBUG"] = "0"
    os.environ.setdefault("CONSONANCE_SECRET_KEY", "bench-secret-key-" + "x" * 40)
    os.environ.setdefault("CONSONANCE_MASTER_KEY", "YmVuY2gtbWFzdGVyLWtleS0zMi1ieXRlcy1sb25nISE=")
    os.environ.setdefault("CONSONANCE_ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("CONSONANCE_SSL_REDIRECT", "0")
    os.environ.setdefault("CONSONANCE_SITE_URL", "https://consonance.test")


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("CONSONANCE_DEBUG", "1")
    os.environ["DJANGO_SETTINGS_MODULE"] = "consonance.settings"
    os.environ.setdefault("CONSONANCE_LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def run_per_database(script: str, name: str, extra: Sequence[str] = ()) -> list[dict]:
    """Run `script --database-url URL --json-out FILE [extra]` for each database; collect the
    figures."""
    results = []
    for label, url in databases(name):
        fresh_database(url)
        out = ROOT / "var" / f"bench_{name}_{label}.json"
        subprocess.run(
            [sys.executable, script, "--database-url", url, "--json-out", str(out), *extra],
            check=True,
        )
        results.append({"database": label, **json.loads(out.read_text())})
    return results


def staff_request(path: str, data: dict | None = None):
    """A request to a staff page as the coach (signed in; a POST when `data` is given)."""
    from django.contrib.auth import get_user_model
    from django.test import RequestFactory

    factory = RequestFactory()
    request = factory.post(path, data) if data is not None else factory.get(path)
    request.user = get_user_model().objects.get(username="coach")
    return request


def scale_arguments(doc: str | None) -> argparse.Namespace:
    """--clients and --bookings (2 000 and 5 000), and the child run's --database-url and
    --json-out (run_per_database)."""
    parser = argparse.ArgumentParser(description=(doc or "").split("\n")[0])
    parser.add_argument("--clients", type=int, default=size(2000, 100))
    parser.add_argument("--bookings", type=int, default=size(5000, 200))
    parser.add_argument("--database-url")
    parser.add_argument("--json-out")
    return parser.parse_args()


def timed(fn, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1] if len(samples) >= 20 else max(samples)


def write_results(name: str, payload: dict) -> Path:
    folder = ROOT / "var" / "bench_smoke" if smoke() else RESULTS
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    payload = {
        "name": name,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        **payload,
    }
    path.write_text(json.dumps(payload, indent=2) + "\n")
    return path


def print_table(headers: list[str], rows: list[list]) -> None:
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) for i, h in enumerate(headers)]
    line = " | ".join(str(h).ljust(w) for h, w in zip(headers, widths, strict=True))
    print(line)
    print("-+-".join("-" * w for w in widths))
    for row in rows:
        print(" | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))
