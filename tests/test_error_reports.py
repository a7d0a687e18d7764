"""Error reports without personal data (issue 16): a server error or a failed background task
mails CONSONANCE_ADMINS, and reaches Sentry when a DSN is set, with the exception and its stack
trace but no request body, cookies, query string, headers, task arguments or local variables."""

from __future__ import annotations

import gzip
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import brotli
import pytest
import sentry_sdk
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django_tasks_db.models import DBTaskResult

from consonance.lib.errors import sentry_start
from tests.failing import fail_for

pytestmark = pytest.mark.django_db
EMAIL = "moa.sten@example.se"
NAME = "Moa Sten"
COOKIE = "kaka-9f8e7d6c5b4a"
ADMIN = "drift@example.org"
SENTRY_PORT = 5231


@pytest.fixture
def admins(settings):
    settings.ADMINS = [ADMIN]
    settings.ROOT_URLCONF = "tests.failing"


def _crash(query: str = "") -> None:
    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = COOKIE
    response = client.post(
        f"/krasch/{query}", {"email": EMAIL, "name": NAME}, HTTP_X_CLIENT_NOTE=EMAIL
    )
    assert response.status_code == 500


def _leaks(text: str) -> list[str]:
    lowered = text.lower()
    return [s for s in (EMAIL, NAME.lower(), COOKIE, "moa.sten") if s.lower() in lowered]


def test_a_server_error_mails_the_admins_the_trace_without_her_details(admins):
    _crash(query="?email=moa.sten%40example.se&name=Moa+Sten")

    (report,) = mail.outbox
    assert report.to == [ADMIN]
    assert report.subject.endswith("ERROR: RuntimeError in POST test-crash (status 500)")
    assert "RuntimeError: the booking could not be saved" in report.body
    assert 'tests/failing.py", line' in report.body and "in crash" in report.body
    assert report.alternatives == []  # no HTML report (Django's carries every variable)
    assert _leaks(report.body + report.subject) == []


def test_no_report_goes_out_without_admins(settings):
    settings.ROOT_URLCONF = "tests.failing"
    _crash()
    assert mail.outbox == []


# The worker closes the connection between ticks, as in production: the test needs real commits.
@pytest.mark.django_db(transaction=True)
def test_a_failed_task_in_the_worker_mails_the_admins_without_its_arguments(admins, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    fail_for.enqueue(EMAIL)

    call_command("worker", "--once")

    failed = DBTaskResult.objects.get(task_path="tests.failing.fail_for")
    assert failed.status == "FAILED"
    (report,) = [m for m in mail.outbox if m.to == [ADMIN]]
    assert "LookupError" in report.subject and "tests.failing.fail_for" in report.subject
    assert "LookupError: no such service for [address]" in report.body
    assert "in fail_for" in report.body
    assert _leaks(report.body + report.subject) == []


class _Envelopes(BaseHTTPRequestHandler):
    """A stand-in for Sentry's ingestion: keeps every envelope posted to it."""

    received: list[bytes] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        encoding = self.headers.get("Content-Encoding")
        if encoding == "br":  # what sentry-sdk sends when brotli is installed
            body = brotli.decompress(body)
        elif encoding == "gzip":
            body = gzip.decompress(body)
        self.received.append(body)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def sentry():
    _Envelopes.received = []
    server = ThreadingHTTPServer(("127.0.0.1", SENTRY_PORT), _Envelopes)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sentry_start(f"http://publickey@127.0.0.1:{SENTRY_PORT}/1", environment="test")
    yield _Envelopes.received
    sentry_sdk.get_client().close()
    sentry_sdk.init()  # no DSN: off again for the other tests
    server.shutdown()
    server.server_close()


def _events(envelopes: list[bytes]) -> list[dict]:
    events = []
    for envelope in envelopes:
        lines = envelope.split(b"\n")
        for header, payload in zip(lines[1::2], lines[2::2], strict=False):
            if json.loads(header).get("type") == "event":
                events.append(json.loads(payload))
    return events


@pytest.mark.django_db(transaction=True)
def test_sentry_gets_the_error_and_the_failed_task_without_her_details(sentry, settings):
    settings.ROOT_URLCONF = "tests.failing"
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    _crash(query="?email=moa.sten%40example.se")
    fail_for.enqueue(EMAIL)
    call_command("worker", "--once")
    sentry_sdk.flush(timeout=5)

    events = _events(sentry)
    kinds = {v["type"] for e in events for v in e.get("exception", {}).get("values", [])}
    assert {"RuntimeError", "LookupError"} <= kinds
    raw = b"\n".join(sentry).decode()
    assert _leaks(raw) == []
    for event in events:
        assert "request" not in event and "user" not in event and "breadcrumbs" not in event
        frames = [f for v in event["exception"]["values"] for f in v["stacktrace"]["frames"]]
        assert frames and all("vars" not in f for f in frames)


def test_a_failing_healthz_mails_no_one(admins, client):
    assert client.get("/healthz").status_code == 503  # no worker, no backup here
    assert mail.outbox == []
