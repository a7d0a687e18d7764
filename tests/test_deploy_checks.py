"""`consonance check --deploy` flags what breaks real use (issue 12): no SMTP server to reach,
no backup in 48 hours, a missing or published master key, a site address that is not https,
and a proxy whose visitors would all share its address."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core import checks
from django.core.management import call_command

from tests.smtp_server import free_port

pytestmark = pytest.mark.django_db


def ids() -> set[str]:
    found = checks.run_checks(include_deployment_checks=True, tags=["consonance"])
    return {m.id for m in found if m.id and m.id.startswith("consonance.")}


def test_a_deployment_with_nothing_set_up_is_flagged(settings):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": free_port()},
        }
    }
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.CONSONANCE_TRUSTED_PROXIES = []
    settings.CONSONANCE_MASTER_KEY = "ZGV2LW9ubHktbWFzdGVyLWtleS0zMi1ieXRlcyEhISE="
    settings.SITE_URL = "http://praktik.example.se"
    found = ids()
    assert {"consonance.E030", "consonance.E031", "consonance.E032", "consonance.E020"} <= found
    assert "consonance.W034" in found


def test_a_deployment_set_up_right_passes(settings, smtp_server):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.CONSONANCE_TRUSTED_PROXIES = ["127.0.0.1"]
    call_command("backup", stdout=StringIO())
    assert not {i for i in ids() if i[11:13] == "E0" and i >= "consonance.E030"}
    assert "consonance.W034" not in ids()


def test_key_backups_kept_as_long_as_the_data_backups_are_flagged(settings):
    assert "consonance.W036" not in ids()  # 3 days against the policy's 30
    settings.KEY_BACKUP_DAYS = 30
    assert "consonance.W036" in ids()
