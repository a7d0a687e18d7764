from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.utils import translation
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from consonance.privacy.policy import _cached

# Shared fixtures live in plugins, for every test (test files never import each other): personas
# and practices (tests/factories/), a real SMTP server (`smtp_server`), Dovecot (`imap_server`)
# and the test DKIM key's DNS (`dkim_dns`).
pytest_plugins = ["tests.factories", "tests.smtp_server", "tests.imap_server", "tests.dkim_keys"]

REPO = Path(__file__).resolve().parent.parent
POLICY = REPO / "consonance" / "policy" / "consonance.toml"
TOTP_KEY = "3132333435363738393031323334353637383930"


@pytest.fixture(autouse=True)
def _fresh_rate_limits(request, django_db_blocker):
    """Rate-limit counters (a cache table, not a model) survive a transactional test's flush:
    every database test starts with none."""
    uses_db = request.node.get_closest_marker("django_db") or {
        "db",
        "transactional_db",
    } & set(request.fixturenames)
    if uses_db:
        request.getfixturevalue("django_db_setup")
        with django_db_blocker.unblock():
            cache.clear()


@pytest.fixture(autouse=True)
def _swedish_first():
    """Each test starts in Swedish: a request to /en/ leaves English active in its thread
    (LocaleMiddleware activates, nothing deactivates), which would leak into the next test."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _private_backups(settings, tmp_path):
    """Each test its own backup folder and erasure ledger file."""
    settings.BACKUP_DIR = tmp_path / "backups"
    settings.ERASURE_LEDGER = tmp_path / "erasure-ledger.txt"
    settings.MAINTENANCE_LOCK = tmp_path / "maintenance.lock"


@pytest.fixture
def policy_copy(tmp_path, settings):
    """A private copy of the default policy, in force for this test; edit it to change policy."""
    path = tmp_path / "policy.toml"
    shutil.copy(POLICY, path)
    settings.CONSONANCE_POLICY = path
    yield path
    _cached.cache_clear()


@pytest.fixture
def staff_user(db):
    user = get_user_model().objects.create_user(
        "coach", password="a-long-test-password", is_staff=True, is_superuser=True
    )
    TOTPDevice.objects.create(user=user, name="phone", key=TOTP_KEY, confirmed=True)
    return user


def current_code() -> str:
    return f"{totp(bytes.fromhex(TOTP_KEY)):06d}"


@pytest.fixture
def staff_client(client, staff_user):
    """A client signed in with password and second factor."""
    client.post("/staff/login/", {"username": "coach", "password": "a-long-test-password"})
    response = client.post("/staff/verify/", {"otp_token": current_code()})
    assert response.status_code == 302
    return client
