"""Video meetings for bookings: Zoom (Server-to-Server OAuth) and a fixed-link fallback.

Protocol only: no database. `ZoomClient` talks to the Zoom REST API v2 with an account-level
Server-to-Server OAuth app (scopes: meeting:write, meeting:update, meeting:delete or their
granular equivalents): it creates, moves and deletes meetings. `FixedLinkVideo` serves practices
without Zoom credentials: every booking gets the same configured link (a personal meeting room, a
Jitsi room, ...).

Personal data: callers pass a topic with no personal data (e.g. "Session" or "Samtal"), never
a client's name; nothing else about the client is sent to Zoom. Errors carry the HTTP status
and Zoom's numeric code only, never Zoom's message text (which can echo user data).
"""

from __future__ import annotations

import logging
import re
import secrets
import string
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, Protocol

import httpx
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from consonance.lib.http import (
    BearerAuth,
    OwnsClient,
    ServiceClient,
    ServiceError,
    TokenCache,
    json_object,
)

logger = logging.getLogger(__name__)

_PASSWORD_LENGTH: Final = 10  # Zoom's maximum meeting passcode length
_PASSWORD_ALPHABET: Final = string.ascii_letters + string.digits
_MEETING_ID_RE: Final = re.compile(r"\d{1,20}")


class ZoomError(ServiceError):
    """Zoom refused a request or could not be reached; the message has no personal data."""

    def __init__(self, message: str, *, status: int | None = None, code: int | None = None) -> None:
        self.status = status
        self.code = code
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class Meeting:
    id: str  # "" for a fixed link: there is nothing to delete
    join_url: str  # for the client
    start_url: str  # for the host (Zoom's start_url logs the host in: keep it private)
    password: str | None


class VideoMeetings(Protocol):
    """What booking code needs from a video provider."""

    def create_meeting(
        self,
        *,
        topic: str,
        start: datetime,
        duration_minutes: int,
        timezone: str = "Europe/Stockholm",
    ) -> Meeting: ...

    def update_meeting(
        self,
        meeting_id: str,
        *,
        start: datetime,
        duration_minutes: int,
        timezone: str = "Europe/Stockholm",
    ) -> None: ...

    def delete_meeting(self, meeting_id: str) -> None: ...


class ZoomClient(OwnsClient[ServiceClient]):
    """Zoom meetings through a Server-to-Server OAuth app.

    The access token is fetched with the account credentials grant, cached until shortly
    before it expires, and fetched anew once if Zoom answers 401 (revoked or expired early).
    Safe to share between threads.
    """

    def __init__(
        self,
        account_id: str,
        client_id: str,
        client_secret: str,
        *,
        oauth_base: str = "https://zoom.us",
        api_base: str = "https://api.zoom.us/v2",
        timeout: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._account_id = account_id
        self._credentials = (client_id, client_secret)
        self._token_url = oauth_base.rstrip("/") + "/oauth/token"
        self._api_base = api_base.rstrip("/")
        self._http = ServiceClient("Zoom", timeout=timeout, unreachable=_unreachable)
        # Tokens live an hour; lib.http renews them a minute early and once after a 401.
        self._auth = BearerAuth.cached(TokenCache(self._fetch_token, clock=clock))

    # -- meetings ------------------------------------------------------------------------------

    def create_meeting(
        self,
        *,
        topic: str,
        start: datetime,
        duration_minutes: int,
        timezone: str = "Europe/Stockholm",
    ) -> Meeting:
        """Schedule a meeting with a random passcode, a waiting room, and no joining before the host.

        `topic` must contain no personal data: it is stored by Zoom and shown to participants.
        `start` must be timezone-aware; it is sent in UTC, `timezone` only sets Zoom's display.
        """
        password = generate_password()
        body = {
            "topic": topic[:200],  # Zoom's limit
            "type": 2,  # scheduled meeting
            **_schedule(start, duration_minutes, timezone),
            "password": password,
            "settings": {"waiting_room": True, "join_before_host": False},
        }
        response = self._api("POST", "/users/me/meetings", json=body)
        if response.status_code != 201:
            raise _api_error("create the meeting", response)
        return _meeting_from(response, password)

    def update_meeting(
        self,
        meeting_id: str,
        *,
        start: datetime,
        duration_minutes: int,
        timezone: str = "Europe/Stockholm",
    ) -> None:
        """Give a meeting a new start and length (a moved booking). Only the time is sent: the
        topic, passcode and join link stay as they are. Zoom answers 204; a meeting it no longer
        knows (404) cannot be moved and raises ZoomError like any other refusal."""
        body = _schedule(start, duration_minutes, timezone)
        response = self._api("PATCH", f"/meetings/{_meeting_id(meeting_id)}", json=body)
        if response.status_code != 204:
            raise _api_error("update the meeting", response)

    def delete_meeting(self, meeting_id: str) -> None:
        """Delete a meeting; one Zoom no longer knows counts as already deleted."""
        response = self._api("DELETE", f"/meetings/{_meeting_id(meeting_id)}")
        if response.status_code in (200, 204, 404):
            return
        raise _api_error("delete the meeting", response)

    # -- HTTP and tokens -------------------------------------------------------------------------

    def _api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = self._http.request(
            method,
            self._api_base + path,
            action="api",
            auth=self._auth,
            headers={"Accept": "application/json"},
            **kwargs,
        )
        if response.status_code == 401:  # refused even with a fresh token
            raise _api_error("accept the access token", response)
        return response

    def _fetch_token(self) -> tuple[str, float]:
        response = self._http.request(
            "POST",
            self._token_url,
            action="token",
            data={"grant_type": "account_credentials", "account_id": self._account_id},
            auth=self._credentials,
            headers={"Accept": "application/json"},
        )
        if response.status_code != 200:
            logger.warning("Zoom token request refused: HTTP %s", response.status_code)
            raise ZoomError(
                f"Zoom refused the access token request (HTTP {response.status_code})",
                status=response.status_code,
            )
        payload = _json(response)
        token = payload.get("access_token")
        lifetime = payload.get("expires_in", 3600)
        if not isinstance(token, str) or not token or not isinstance(lifetime, int | float):
            raise ZoomError("Zoom answered the token request with an unexpected payload")
        return token, float(lifetime)


class FixedLinkVideo:
    """The same link for every booking, for practices without Zoom; deleting does nothing."""

    def __init__(self, url: str) -> None:
        if not url.startswith(("https://", "http://")):
            raise ValueError("the fixed video link must be an http(s) URL")
        self.url = url

    def create_meeting(
        self,
        *,
        topic: str,
        start: datetime,
        duration_minutes: int,
        timezone: str = "Europe/Stockholm",
    ) -> Meeting:
        if start.tzinfo is None or start.utcoffset() is None:
            raise ValueError("start must be a timezone-aware datetime")
        return Meeting(id="", join_url=self.url, start_url=self.url, password=None)

    def update_meeting(
        self,
        meeting_id: str,
        *,
        start: datetime,
        duration_minutes: int,
        timezone: str = "Europe/Stockholm",
    ) -> None:
        return None  # the same link at any time

    def delete_meeting(self, meeting_id: str) -> None:
        return None


def _schedule(start: datetime, duration_minutes: int, timezone: str) -> dict[str, Any]:
    """A meeting's time as Zoom takes it: the start in UTC ("…Z"), `timezone` for its display."""
    if start.tzinfo is None or start.utcoffset() is None:
        raise ValueError("start must be a timezone-aware datetime")
    if duration_minutes <= 0:
        raise ValueError("duration_minutes must be positive")
    return {
        "start_time": start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "duration": duration_minutes,
        "timezone": timezone,
    }


def _meeting_id(meeting_id: str) -> str:
    meeting_id = str(meeting_id)
    if not _MEETING_ID_RE.fullmatch(meeting_id):
        raise ValueError("not a Zoom meeting id")
    return meeting_id


def generate_password() -> str:
    """A random 10-character passcode with at least one letter and one digit.

    Accounts that enforce "numeric passcodes only" will refuse it (Zoom error 300).
    """
    while True:
        password = "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(_PASSWORD_LENGTH))
        if any(c.isdigit() for c in password) and any(c.isalpha() for c in password):
            return password


def _unreachable(error: httpx.HTTPError, action: str) -> ZoomError:
    where = " for an access token" if action == "token" else ""
    return ZoomError(f"Zoom could not be reached{where}")


def _json(response: httpx.Response) -> dict[str, Any]:
    return json_object(response) or {}


def _api_error(action: str, response: httpx.Response) -> ZoomError:
    """Status and Zoom's numeric code only; Zoom's message may name users or emails."""
    raw_code = _json(response).get("code")
    code = raw_code if isinstance(raw_code, int) and not isinstance(raw_code, bool) else None
    detail = f"HTTP {response.status_code}" + (f", Zoom code {code}" if code is not None else "")
    logger.warning("Zoom did not %s: %s", action, detail)
    return ZoomError(f"Zoom did not {action} ({detail})", status=response.status_code, code=code)


def _meeting_from(response: httpx.Response, password: str) -> Meeting:
    data = _json(response)
    meeting_id, join_url, start_url = data.get("id"), data.get("join_url"), data.get("start_url")
    if meeting_id is None or not isinstance(join_url, str) or not isinstance(start_url, str):
        raise ZoomError("Zoom answered the meeting request with an unexpected payload")
    # Zoom may adjust the passcode to the account's rules; its answer is the one that works.
    returned = data.get("password")
    return Meeting(
        id=str(meeting_id),
        join_url=join_url,
        start_url=start_url,
        password=returned if isinstance(returned, str) and returned else password,
    )


# -- configuration ----------------------------------------------------------------------------

_clients: dict[tuple, ZoomClient] = {}
_clients_lock = threading.Lock()


def video_meetings() -> VideoMeetings | None:
    """Zoom when ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET are set; otherwise the fixed
    VIDEO_LINK; otherwise None (the confirmation then says the link comes separately). The Zoom
    client is kept per configuration: it holds a connection pool and an access token."""
    account, client_id, secret = (
        settings.ZOOM_ACCOUNT_ID.strip(),
        settings.ZOOM_CLIENT_ID.strip(),
        settings.ZOOM_CLIENT_SECRET.strip(),
    )
    if account and client_id and secret:
        oauth, api = settings.ZOOM_OAUTH_BASE, settings.ZOOM_API_BASE
        key = (account, client_id, secret, oauth, api)
        with _clients_lock:
            if key not in _clients:
                _clients[key] = ZoomClient(
                    account, client_id, secret, oauth_base=oauth, api_base=api
                )
            return _clients[key]
    return fixed_video_link()


def fixed_video_link() -> FixedLinkVideo | None:
    link = settings.VIDEO_LINK.strip()
    if not link:
        return None
    try:
        return FixedLinkVideo(link)
    except ValueError as error:
        raise ImproperlyConfigured(f"CONSONANCE_VIDEO_LINK: {error}") from error
