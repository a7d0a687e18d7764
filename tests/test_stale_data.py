"""Stale data and published secrets (issue 21, finding 15): `check --deploy` refuses a staff
account with the demo's published password (E033); SQLite overwrites what it deletes; django-axes'
sign-in attempts (a typed user name may be a client's address) are deleted after 30 days and
reached by erasure and the deep residue scan. E020's loopback spellings: test_security_and_settings.
The Server header and the body limit through Caddy: deploy/smoke/run."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.core.management.base import SystemCheckError
from django.db import connection
from django.utils import timezone

from consonance.audit.services import SYSTEM
from consonance.people.demo import STAFF_PASSWORD
from consonance.people.services import person_get_or_create

pytestmark = pytest.mark.django_db
EMAIL = "moa.sten@example.se"


def _deploy_check_output() -> str:
    try:
        call_command("check", "--deploy", stdout=io.StringIO(), stderr=io.StringIO())
    except SystemCheckError as error:
        return str(error)
    return ""


def test_check_deploy_refuses_a_staff_account_with_the_published_demo_password():
    coach = get_user_model().objects.create_user("coach", password=STAFF_PASSWORD, is_staff=True)
    get_user_model().objects.create_user("client", password=STAFF_PASSWORD)  # not staff
    found = _deploy_check_output()
    assert "consonance.E033" in found and "'coach'" in found and "'client'" not in found
    coach.set_password("a-password-of-her-own-2026")
    coach.save()
    assert "consonance.E033" not in _deploy_check_output()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="a PRAGMA of SQLite")
def test_sqlite_overwrites_what_it_deletes_whatever_the_library_was_built_with():
    # Debian builds SQLite with SECURE_DELETE on, other builds (python.org's, pyenv's) do not:
    # the site turns it on for every connection itself.
    assert "PRAGMA secure_delete=ON" in connection.settings_dict["OPTIONS"]["init_command"]
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA secure_delete")
        assert cursor.fetchone()[0] == 1


def _typed_as_user_name(client, text: str) -> None:
    """A staff sign-in with an address typed as the user name, and a wrong password."""
    response = client.post("/staff/login/", {"username": text, "password": "not-it"})
    assert response.status_code == 200 and "Fel användarnamn" in response.content.decode()


def test_sign_in_attempts_are_deleted_30_days_after_the_attempt(client):
    _typed_as_user_name(client, EMAIL)
    _typed_as_user_name(client, "assistant")
    AccessAttempt.objects.filter(username=EMAIL).update(
        attempt_time=timezone.now() - dt.timedelta(days=30, hours=1)
    )
    AccessAttempt.objects.filter(username="assistant").update(
        attempt_time=timezone.now() - dt.timedelta(days=29)
    )
    call_command("retention", "run", stdout=io.StringIO())
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["assistant"]


def _verify_deep() -> list[tuple[str, str]]:
    out = io.StringIO()
    try:
        call_command("rights", "verify-erasure", "--email", EMAIL, "--deep", "--json", stdout=out)
    except CommandError as error:
        assert "still hold the identifiers" in str(error)
    return [(f["model"], f["reason"]) for f in json.loads(out.getvalue())["residue"]]


def test_her_address_typed_at_the_staff_sign_in_is_erased_with_her_and_found_if_it_returns(client):
    person_get_or_create(email=EMAIL, first_name="Moa", last_name="Sten", actor=SYSTEM)
    _typed_as_user_name(client, EMAIL.upper())
    assert AccessAttempt.objects.count() == 1
    call_command("rights", "erase", "--email", EMAIL, stdout=io.StringIO())
    assert not AccessAttempt.objects.exists()
    assert _verify_deep() == []
    _typed_as_user_name(client, EMAIL)  # as a restore of an older copy would bring back
    assert ("axes.AccessAttempt", "store") in _verify_deep()
