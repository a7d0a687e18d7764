"""lib/http.py, the outside-service base, against a loopback fake: timeouts become the adapter's
error, retries happen only where nothing can happen twice, the token cache renews on expiry and
after a 401, and the request log holds neither the query string nor the body."""

from __future__ import annotations

import logging
import socket
import threading
import time
from pathlib import Path

import pytest

from consonance.lib.http import BearerAuth, Retry, ServiceClient, ServiceError, TokenCache
from consonance.lib.loopback import LoopbackFake, Reply


class ScriptedFake(LoopbackFake):
    """Answers from a script of statuses (then 200); `/slow` takes half a second; `/token`
    issues tokens and `/me` accepts only those still valid."""

    def __init__(self) -> None:
        super().__init__()
        self.script: list[int] = []
        self.headers: dict[str, str] = {}
        self.tokens: list[str] = []
        self.valid: set[str] = set()
        self.refuse = False
        self.lock = threading.Lock()

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Reply:
        with self.lock:
            if target.startswith("/slow"):
                time.sleep(0.5)
            if target == "/token":
                token = f"t{len(self.tokens) + 1}"
                self.tokens.append(token)
                self.valid.add(token)
                return Reply(200, {"access_token": token, "expires_in": 3600})
            if target == "/me":
                token = headers.get("authorization", "").removeprefix("Bearer ")
                return (
                    Reply(200, {"token": token})
                    if token in self.valid and not self.refuse
                    else Reply(401, {})
                )
            status = self.script.pop(0) if self.script else 200
            return Reply(status, {"ok": status == 200}, self.headers)


@pytest.fixture
def fake():
    with ScriptedFake() as running:
        yield running


def client(fake: ScriptedFake, **kwargs) -> ServiceClient:
    slept: list[float] = []
    http = ServiceClient("Fake", base_url=fake.origin, sleep=slept.append, **kwargs)
    http.slept = slept  # type: ignore[attr-defined]
    return http


def test_a_timeout_becomes_the_adapters_error_without_the_address(fake):
    class AdapterError(ServiceError):
        pass

    def unreachable(error, action):
        return AdapterError(f"the service did not {action}")

    with (
        client(fake, timeout=0.1, unreachable=unreachable) as http,
        pytest.raises(AdapterError, match="did not look up"),
    ):
        http.request("GET", "/slow?who=someone", action="look up")
    with client(fake, timeout=0.1) as http, pytest.raises(ServiceError) as caught:
        http.request("GET", "/slow")
    assert str(caught.value) == "Fake request failed: timed out"


def test_no_retry_unless_asked(fake):
    fake.script = [503]
    with client(fake) as http:
        assert http.request("GET", "/thing").status_code == 503
    assert len(fake.received) == 1


def test_idempotent_requests_are_retried_with_back_off(fake):
    fake.script = [503, 502]
    with client(fake, retry=Retry(attempts=3, backoff=0.5)) as http:
        assert http.request("GET", "/thing").status_code == 200
        assert http.slept == [0.5, 1.0]
    assert [r.method for r in fake.received] == ["GET"] * 3


def test_a_post_is_not_retried_unless_it_carries_an_idempotency_key(fake):
    fake.script = [503, 503]
    with client(fake, retry=Retry(attempts=3)) as http:
        assert http.request("POST", "/thing", json={}).status_code == 503
        assert len(fake.received) == 1
        assert http.request("POST", "/thing", json={}, idempotent=True).status_code == 200
    assert len(fake.received) == 3


def test_a_429_is_retried_even_for_a_post_honouring_retry_after(fake):
    fake.script = [429]
    fake.headers = {"Retry-After": "7"}
    with client(fake, retry=Retry(attempts=1)) as http:
        assert http.request("POST", "/thing", json={}).status_code == 200
        assert http.slept == [7.0]


def test_the_last_answer_stands_when_attempts_run_out(fake):
    fake.script = [503, 503, 503]
    with client(fake, retry=Retry(attempts=2)) as http:
        assert http.request("DELETE", "/thing").status_code == 503
    assert len(fake.received) == 3


def test_a_refused_connection_is_retried_for_any_method_then_mapped():
    with socket.socket() as probe:  # a port with nobody listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    slept: list[float] = []
    with (
        ServiceClient(
            "Fake", base_url=f"http://127.0.0.1:{port}", retry=Retry(attempts=2), sleep=slept.append
        ) as http,
        pytest.raises(ServiceError, match="ConnectError"),
    ):
        http.request("POST", "/payments", json={"amount": 1})
    assert slept == [0.5, 1.0]


def test_the_token_cache_renews_shortly_before_expiry():
    now = [1000.0]
    issued: list[str] = []

    def fetch() -> tuple[str, float]:
        issued.append(f"t{len(issued) + 1}")
        return issued[-1], 3600.0

    tokens = TokenCache(fetch, clock=lambda: now[0])
    assert tokens.get() == tokens.get() == "t1"
    now[0] += 3600 - 61
    assert tokens.get() == "t1"
    now[0] += 2  # inside the last minute: renewed
    assert tokens.get() == "t2"
    tokens.forget("t1")  # an old token refused late changes nothing
    assert tokens.get() == "t2"


def test_a_401_gets_one_fresh_token_and_one_more_try(fake):
    with client(fake) as http:

        def fetch() -> tuple[str, float]:
            data = http.request("POST", "/token").json()
            return data["access_token"], float(data["expires_in"])

        auth = BearerAuth.cached(TokenCache(fetch))
        assert http.request("GET", "/me", auth=auth).json() == {"token": "t1"}
        fake.valid.clear()  # revoked at the service
        assert http.request("GET", "/me", auth=auth).json() == {"token": "t2"}
        fake.refuse = True  # even fresh tokens: the second 401 stands
        assert http.request("GET", "/me", auth=auth).status_code == 401
    me = [r for r in fake.received if r.path == "/me"]
    assert len(me) == 5  # 1, then 401 + retry, then 401 + one retry only


def test_the_request_log_has_no_query_string_or_body(fake, caplog):
    caplog.set_level(logging.INFO, logger="consonance.http")
    with client(fake) as http:
        http.request(
            "POST",
            "/clients/42?email=anna%40example.se",
            json={"name": "Anna Andersson"},
            headers={"X-Secret": "s3cret"},
        )
    lines = [record.getMessage() for record in caplog.records if record.name == "consonance.http"]
    assert lines and "Fake POST 127.0.0.1/clients/42 -> 200 in" in lines[0]
    text = "\n".join(lines)
    for private in ("email", "anna", "Anna", "?", "s3cret"):
        assert private not in text


def test_the_loopback_base_serves_the_fakes_only():
    """lib/loopback.py is test code in the package (the providers' fakes live in their folders):
    nothing that runs in production may import it."""
    root = Path(__file__).resolve().parent.parent / "consonance"
    importers = {
        str(path.relative_to(root.parent))
        for path in root.rglob("*.py")
        if "consonance.lib.loopback" in path.read_text(encoding="utf-8")
    }
    assert importers and all(name.endswith("/fake.py") for name in importers), importers
