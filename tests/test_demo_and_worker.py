"""`consonance demo` loads fictional data idempotently; the worker runs the periodic schedule."""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django_otp.oath import totp
from django_tasks_db.models import DBTaskResult

from consonance.audit.services import audit_verify
from consonance.people.demo import STAFF_PASSWORD, STAFF_TOTP_KEY, STAFF_USERNAME
from consonance.people.models import MemberProfile, Person
from consonance.worker.models import PeriodicJob
from consonance.worker.schedule import enqueue_due

pytestmark = pytest.mark.django_db(transaction=True)


def counts() -> tuple[int, ...]:
    return (Person.objects.count(), MemberProfile.objects.count(), get_user_model().objects.count())


def test_demo_loads_fictional_clients_and_a_staff_account_once(capsys, settings):
    settings.DEBUG = True  # the demo refuses to load in production (tests/test_hardening.py)
    call_command("demo")
    first = counts()
    assert first[0] >= 5 and first[2] == 1
    out = capsys.readouterr().out
    assert "user 'coach'" in out
    # Its receipts and invoices are there as PDF too (the links it prints work).
    pdf = re.search(r"A receipt: \S+ \(as PDF: https?://[^/]+(/dokument/\S+/pdf/)\)", out)
    assert pdf is not None
    assert Client().get(pdf.group(1)).content.startswith(b"%PDF-")
    assert "/staff/bookkeeping/documents/" in out
    call_command("demo")
    assert counts() == first
    assert audit_verify()[1] is None
    assert all(p.email.endswith(("example.se", "example.com")) for p in Person.objects.all())


def test_the_demo_coach_signs_in_with_the_published_password_and_key(client, settings):
    settings.DEBUG = True
    call_command("demo", stdout=io.StringIO())
    response = client.post(
        "/staff/login/", {"username": STAFF_USERNAME, "password": STAFF_PASSWORD}
    )
    assert response["Location"].startswith("/staff/verify/")  # no enrolment link needed
    code = f"{totp(bytes.fromhex(STAFF_TOTP_KEY)):06d}"
    assert client.post("/staff/verify/", {"otp_token": code}).status_code == 302
    assert client.get("/staff/").status_code == 200


def test_the_schedule_enqueues_each_job_once_per_period(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    first = enqueue_due()
    assert "audit-verify" in first
    assert enqueue_due() == []
    assert PeriodicJob.objects.get(name="audit-verify")
    assert DBTaskResult.objects.count() == len(first)


def test_the_worker_runs_queued_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    call_command("worker", "--once")
    result = DBTaskResult.objects.get(task_path="consonance.audit.tasks.audit_verify_task")
    assert result.status == "SUCCESSFUL"
