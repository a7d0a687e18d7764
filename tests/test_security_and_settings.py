"""Security headers, production settings from the environment, and `check --deploy`."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest

from tests.conftest import REPO
from tests.smtp_server import LocalSMTP

pytestmark = pytest.mark.django_db
KEYS = {
    "CONSONANCE_SECRET_KEY": "a-real-production-secret-key-" + "k" * 40,
    "CONSONANCE_MASTER_KEY": "dGVzdC1tYXN0ZXIta2V5LTMyLWJ5dGVzLWxvbmchISE=",
    "CONSONANCE_ALLOWED_HOSTS": "practice.example.se",
    "CONSONANCE_SITE_URL": "https://practice.example.se",
}


def run_consonance(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    base = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "consonance.settings",
    }
    return subprocess.run(
        [sys.executable, "-m", "consonance", *args],
        capture_output=True,
        text=True,
        env={**base, **env},
        cwd=REPO,
        timeout=120,
    )


@pytest.fixture
def deployed(tmp_path):
    """What a real deployment has (issue 12's check --deploy): an SMTP server to reach, a fresh
    backup, and the proxy named."""
    smtp = LocalSMTP()
    smtp.start()
    backups = tmp_path / "backups"
    backups.mkdir()
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    (backups / f"consonance-{stamp}.backup").write_bytes(b"")
    yield {
        "CONSONANCE_SMTP_HOST": "127.0.0.1",
        "CONSONANCE_SMTP_PORT": str(smtp.port),
        "CONSONANCE_SMTP_STARTTLS": "0",
        "CONSONANCE_BACKUP_DIR": str(backups),
        "CONSONANCE_TRUSTED_PROXIES": "127.0.0.1",
    }
    smtp.stop()


def test_pages_send_a_strict_content_security_policy_and_related_headers(client):
    response = client.get("/integritet/", secure=True)
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


def test_pages_load_nothing_from_other_sites(client):
    for path in ("/", "/integritet/", "/en/privacy/", "/staff/login/"):
        html = client.get(path).content.decode()
        assert "http://" not in html.replace("http://www.w3.org", "")
        assert 'src="https://' not in html and 'href="https://cdn' not in html
        assert "<script" not in html and "style=" not in html


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in KEYS.items() if k != "CONSONANCE_SECRET_KEY"}
    result = run_consonance("check", env=env)
    assert result.returncode != 0
    assert "CONSONANCE_SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_a_master_key():
    env = {k: v for k, v in KEYS.items() if k != "CONSONANCE_MASTER_KEY"}
    result = run_consonance("check", env=env)
    assert result.returncode != 0
    assert "CONSONANCE_MASTER_KEY" in result.stderr


def test_secrets_can_come_from_files(tmp_path, deployed):
    secret = tmp_path / "secret"
    secret.write_text(KEYS["CONSONANCE_SECRET_KEY"] + "\n")
    master = tmp_path / "master"
    master.write_text(KEYS["CONSONANCE_MASTER_KEY"])
    env = {
        "CONSONANCE_SECRET_KEY_FILE": str(secret),
        "CONSONANCE_MASTER_KEY_FILE": str(master),
        "CONSONANCE_ALLOWED_HOSTS": "practice.example.se",
        "CONSONANCE_SITE_URL": KEYS["CONSONANCE_SITE_URL"],
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        **deployed,
    }
    result = run_consonance("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stderr


def test_a_trusted_proxy_that_is_no_address_is_refused_at_start_up():
    result = run_consonance("check", env={**KEYS, "CONSONANCE_TRUSTED_PROXIES": "caddy"})
    assert result.returncode != 0
    assert "CONSONANCE_TRUSTED_PROXIES: 'caddy' is not an IP address" in result.stderr


def test_a_bad_boolean_setting_is_refused_with_its_name():
    result = run_consonance("check", env={**KEYS, "CONSONANCE_DEBUG": "maybe"})
    assert result.returncode != 0 and "CONSONANCE_DEBUG: expected true or false" in result.stderr


def test_check_deploy_is_clean_under_production_settings(tmp_path, deployed):
    env = {**KEYS, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", **deployed}
    result = run_consonance("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    "site_url",
    [
        "http://127.0.0.1:8000",
        "https://localhost",
        "http://practice.example.se",
        "https://[::1]",
        # Other spellings of this machine (issue 21): a resolver reads them all as loopback.
        "https://127.1",
        "https://0x7f.1",
        "https://2130706433",
        "https://0.0.0.0",
        "https://[::ffff:127.0.0.1]",
        "https://localhost.",
    ],
)
def test_production_refuses_a_site_url_that_emails_could_not_link_to(tmp_path, site_url):
    env = {
        **KEYS,
        "CONSONANCE_SITE_URL": site_url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    result = run_consonance("check", env=env)
    assert result.returncode != 0
    assert "consonance.E020" in result.stderr and "CONSONANCE_SITE_URL" in result.stderr


def test_debug_accepts_the_local_site_url(tmp_path):
    env = {
        **KEYS,
        "CONSONANCE_DEBUG": "1",
        "CONSONANCE_SITE_URL": "http://127.0.0.1:8000",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    result = run_consonance("check", env=env)
    assert result.returncode == 0, result.stderr


def test_a_malformed_bankgiro_number_stops_start_up(tmp_path):
    env = {
        **KEYS,
        "CONSONANCE_BANKGIRO_NUMBER": "5050-1056",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    result = run_consonance("check", env=env)
    assert result.returncode != 0
    assert "consonance.E021" in result.stderr and "check digit" in result.stderr
