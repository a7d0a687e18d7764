"""The `consonance` command in a shell without a usable environment: one line, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

CONSONANCE = Path(sys.executable).with_name("consonance")


def run(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path)}
    command = [str(CONSONANCE)] if CONSONANCE.exists() else [sys.executable, "-m", "consonance"]
    return subprocess.run(
        [*command, *args],
        env=base | env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("consonance: ")
    return lines[0]


@pytest.mark.parametrize("command", [["rights", "export"], ["migrate"], ["backup"]])
def test_a_command_without_the_secret_key_names_it(tmp_path, command):
    line = one_line_error(run(tmp_path, *command))
    assert "CONSONANCE_SECRET_KEY" in line


def test_a_command_without_the_master_key_names_it(tmp_path):
    line = one_line_error(run(tmp_path, "rights", CONSONANCE_SECRET_KEY="s" * 50))
    assert "CONSONANCE_MASTER_KEY" in line


def test_a_malformed_value_is_named(tmp_path):
    line = one_line_error(run(tmp_path, "check", CONSONANCE_DEBUG="maybe"))
    assert "CONSONANCE_DEBUG" in line and "'maybe'" in line


def test_a_database_that_does_not_answer_is_named_without_its_password(tmp_path):
    line = one_line_error(
        run(
            tmp_path,
            "migrate",
            "--no-input",
            CONSONANCE_DEBUG="1",
            DATABASE_URL="postgres://coach:hemligt-losenord@127.0.0.1:9/consonance",
        )
    )
    assert "127.0.0.1:9/consonance" in line and "DATABASE_URL" in line
    assert "hemligt-losenord" not in line


def test_with_a_usable_environment_the_command_runs(tmp_path):
    result = run(tmp_path, "policy", "check", CONSONANCE_DEBUG="1")
    assert result.returncode == 0, result.stderr
