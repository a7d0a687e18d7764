"""A local stand-in for Zoom's OAuth token endpoint and the meetings API (plain HTTP, in a thread).

State the tests can inspect: tokens issued, token requests, meetings created, updated (PATCH:
each accepted body is recorded in `updates`) and deleted, every API request. Hooks: `expire_tokens()` makes every issued token invalid (the next API call gets
401), `reject_all_tokens` makes the API refuse even fresh tokens, `fail_next(status, code)`
forces one error answer, `token_lifetime` sets `expires_in`.
"""

from __future__ import annotations

import itertools
import json
import re
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from consonance.lib.loopback import LoopbackFake, basic_credentials, bearer_token

ACCOUNT_ID = "acc-123"
CLIENT_ID = "client-abc"
CLIENT_SECRET = "secret-xyz"


@dataclass
class FakeMeeting:
    id: int
    body: dict[str, Any]
    join_url: str
    start_url: str
    deleted: bool = False


@dataclass
class _State:
    tokens_issued: list[str] = field(default_factory=list)
    valid_tokens: set[str] = field(default_factory=set)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    meetings: dict[int, FakeMeeting] = field(default_factory=dict)
    requests: list[tuple[str, str, str | None]] = field(default_factory=list)  # method, path, token
    updates: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # meeting id, body
    forced: list[tuple[int, dict[str, Any]]] = field(default_factory=list)


class FakeZoomServer(LoopbackFake):
    keep_alive = False

    def __init__(
        self,
        *,
        account_id: str = ACCOUNT_ID,
        client_id: str = CLIENT_ID,
        client_secret: str = CLIENT_SECRET,
    ) -> None:
        super().__init__()
        self.account_id = account_id
        self.credentials = (client_id, client_secret)
        self.token_lifetime = 3599
        self.reject_all_tokens = False
        self.state = _State()
        self.lock = threading.Lock()
        self._ids = itertools.count(85_000_000_001)

    @property
    def oauth_base(self) -> str:
        return self.origin

    @property
    def api_base(self) -> str:
        return self.origin + "/v2"

    # -- test hooks ---------------------------------------------------------------------------

    def expire_tokens(self) -> None:
        with self.lock:
            self.state.valid_tokens.clear()

    def fail_next(self, status: int, code: int, message: str = "Forced failure") -> None:
        with self.lock:
            self.state.forced.append((status, {"code": code, "message": message}))

    @property
    def tokens_issued(self) -> list[str]:
        with self.lock:
            return list(self.state.tokens_issued)

    @property
    def meetings(self) -> dict[int, FakeMeeting]:
        with self.lock:
            return dict(self.state.meetings)

    @property
    def updates(self) -> list[tuple[int, dict[str, Any]]]:
        with self.lock:
            return list(self.state.updates)

    @property
    def requests(self) -> list[tuple[str, str, str | None]]:
        with self.lock:
            return list(self.state.requests)

    # -- request handling ---------------------------------------------------------------------

    def handle(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, Any]:
        url = urlsplit(target)
        with self.lock:
            if method == "POST" and url.path == "/oauth/token":
                return self._token(url.query, headers, body)
            token = bearer_token(headers)
            self.state.requests.append((method, url.path, token))
            if token is None or token not in self.state.valid_tokens or self.reject_all_tokens:
                return 401, {"code": 124, "message": "Invalid access token."}
            if self.state.forced:
                return self.state.forced.pop(0)
            return self._api(method, url.path, body)

    def _token(self, query: str, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
        # Zoom accepts the parameters in the query string or a form body.
        params = {k: v[0] for k, v in parse_qs(query).items()}
        params |= {k: v[0] for k, v in parse_qs(body.decode()).items()}
        self.state.token_requests.append(params)
        if basic_credentials(headers) != self.credentials:
            return 401, {"reason": "Invalid client_id or client_secret", "error": "invalid_client"}
        if params.get("grant_type") != "account_credentials":
            return 400, {"reason": "Unsupported grant type", "error": "unsupported_grant_type"}
        if params.get("account_id") != self.account_id:
            return 400, {"reason": "Invalid account_id", "error": "invalid_request"}
        token = secrets.token_urlsafe(24)
        self.state.tokens_issued.append(token)
        self.state.valid_tokens.add(token)
        return 200, {
            "access_token": token,
            "token_type": "bearer",
            "expires_in": self.token_lifetime,
            "scope": "meeting:write:admin meeting:delete:admin",
        }

    def _api(self, method: str, path: str, body: bytes) -> tuple[int, Any]:
        if method == "POST" and path == "/v2/users/me/meetings":
            return self._create(body)
        if method == "PATCH" and (m := re.fullmatch(r"/v2/meetings/(\d+)", path)):
            return self._update(int(m.group(1)), body)
        if method == "DELETE" and (m := re.fullmatch(r"/v2/meetings/(\d+)", path)):
            meeting = self.state.meetings.get(int(m.group(1)))
            if meeting is None or meeting.deleted:
                return 404, {"code": 3001, "message": f"Meeting does not exist: {m.group(1)}."}
            meeting.deleted = True
            return 204, None
        return 404, {"code": 404, "message": "Not found"}

    def _update(self, meeting_id: int, body: bytes) -> tuple[int, Any]:
        meeting = self.state.meetings.get(meeting_id)
        if meeting is None or meeting.deleted:
            return 404, {"code": 3001, "message": f"Meeting does not exist: {meeting_id}."}
        data, refused = _parsed(body, _validate_update)
        if refused:
            return refused
        meeting.body = {**meeting.body, **data}
        self.state.updates.append((meeting_id, data))
        return 204, None

    def _create(self, body: bytes) -> tuple[int, Any]:
        data, refused = _parsed(body, _validate_meeting)
        if refused:
            return refused
        meeting_id = next(self._ids)
        meeting = FakeMeeting(
            id=meeting_id,
            body=data,
            join_url=f"https://zoom.example/j/{meeting_id}?pwd=encoded",
            start_url=f"https://zoom.example/s/{meeting_id}?zak=host-secret",
        )
        self.state.meetings[meeting_id] = meeting
        return 201, {
            "id": meeting_id,
            "uuid": secrets.token_urlsafe(16),
            "host_email": "therapist@practice.example",
            "topic": data["topic"],
            "type": 2,
            "start_time": data["start_time"],
            "duration": data["duration"],
            "timezone": data["timezone"],
            "password": data["password"],
            "join_url": meeting.join_url,
            "start_url": meeting.start_url,
            "settings": data["settings"],
        }


def _parsed(body: bytes, validate) -> tuple[Any, tuple[int, Any] | None]:
    """The JSON body, or Zoom's 400 answer (code 300) when it is not JSON or not valid."""
    try:
        data = json.loads(body)
    except ValueError:
        return None, (400, {"code": 300, "message": "Invalid request body"})
    problem = validate(data)
    return data, ((400, {"code": 300, "message": problem}) if problem else None)


def _validate_update(data: object) -> str | None:
    """Zoom's PATCH /meetings/{id}: any subset of the meeting's fields."""
    if not isinstance(data, dict) or not data:
        return "Invalid request body"
    if "start_time" in data and not re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", str(data["start_time"])
    ):
        return "Invalid start_time"
    if "duration" in data and (not isinstance(data["duration"], int) or data["duration"] <= 0):
        return "Invalid duration"
    return None


def _validate_meeting(data: object) -> str | None:
    if not isinstance(data, dict):
        return "Invalid request body"
    if data.get("type") != 2:
        return "Only scheduled meetings here"
    if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", str(data.get("start_time", ""))):
        return "Invalid start_time"
    if not isinstance(data.get("duration"), int) or data["duration"] <= 0:
        return "Invalid duration"
    if not re.fullmatch(r"[A-Za-z0-9@\-_*]{1,10}", str(data.get("password", ""))):
        return "Invalid password"
    if not isinstance(data.get("settings"), dict) or not data.get("topic"):
        return "Invalid field"
    return None
