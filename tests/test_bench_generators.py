"""The benchmarks' data generators load a small practice (issue 21, finding 15: bench/retention.py
stopped at `contact_message.language` NOT NULL). Raw inserts get no Django defaults, so a new NOT
NULL field breaks them; this runs each benchmark's per-database step on a fresh SQLite file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("script", ["retention.py", "rights.py"])
def test_a_benchmark_generates_and_measures_a_small_practice(tmp_path, script):
    out = tmp_path / "figures.json"
    env = {**os.environ, "BENCH_RETENTION_PERSONS": "300", "BENCH_RIGHTS_PERSONS": "300"}
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / script),
            "--database-url",
            f"sqlite:///{tmp_path / 'bench.sqlite3'}",
            "--json-out",
            str(out),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads(out.read_text())
    assert figures["persons"] == 300
