"""Zoom client against a local fake of the OAuth and meetings endpoints; fixed-link fallback."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from consonance.booking.zoom import (
    FixedLinkVideo,
    Meeting,
    VideoMeetings,
    ZoomClient,
    ZoomError,
    generate_password,
)
from tests.fakes.zoom_server import ACCOUNT_ID, CLIENT_ID, CLIENT_SECRET, FakeZoomServer

STOCKHOLM = ZoneInfo("Europe/Stockholm")
START = datetime(2026, 6, 1, 14, 30, tzinfo=STOCKHOLM)  # 12:30 UTC (summer time)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def fake() -> Iterator[FakeZoomServer]:
    with FakeZoomServer() as server:
        yield server


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def zoom(fake: FakeZoomServer, clock: FakeClock) -> Iterator[ZoomClient]:
    client = ZoomClient(
        ACCOUNT_ID,
        CLIENT_ID,
        CLIENT_SECRET,
        oauth_base=fake.oauth_base,
        api_base=fake.api_base,
        timeout=5,
        clock=clock,
    )
    with client:
        yield client


def create(zoom: ZoomClient) -> Meeting:
    return zoom.create_meeting(topic="Session", start=START, duration_minutes=50)


# -- creating ---------------------------------------------------------------------------------


def test_create_meeting_sends_scheduled_meeting_in_utc_with_safe_settings(
    zoom: ZoomClient, fake: FakeZoomServer
) -> None:
    meeting = create(zoom)

    stored = fake.meetings[int(meeting.id)].body
    assert stored["topic"] == "Session"
    assert stored["type"] == 2
    assert stored["start_time"] == "2026-06-01T12:30:00Z"
    assert stored["duration"] == 50
    assert stored["timezone"] == "Europe/Stockholm"
    assert stored["settings"] == {"waiting_room": True, "join_before_host": False}
    assert stored["password"] == meeting.password


def test_create_meeting_returns_links_and_password(zoom: ZoomClient, fake: FakeZoomServer) -> None:
    meeting = create(zoom)

    assert meeting.id == str(next(iter(fake.meetings)))
    assert meeting.join_url.startswith("https://zoom.example/j/")
    assert meeting.start_url.startswith("https://zoom.example/s/")
    assert meeting.password is not None and re.fullmatch(r"[A-Za-z0-9]{10}", meeting.password)


def test_each_meeting_gets_a_different_password(zoom: ZoomClient) -> None:
    assert create(zoom).password != create(zoom).password


def test_start_time_in_other_offsets_is_converted_to_utc(
    zoom: ZoomClient, fake: FakeZoomServer
) -> None:
    start = datetime(2026, 1, 10, 9, 0, tzinfo=timezone(timedelta(hours=-5)))

    meeting = zoom.create_meeting(
        topic="Session", start=start, duration_minutes=30, timezone="America/New_York"
    )

    stored = fake.meetings[int(meeting.id)].body
    assert stored["start_time"] == "2026-01-10T14:00:00Z"
    assert stored["timezone"] == "America/New_York"


def test_naive_start_is_refused_before_calling_zoom(zoom: ZoomClient, fake: FakeZoomServer) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        zoom.create_meeting(
            topic="Session", start=datetime(2026, 6, 1, 14, 30), duration_minutes=50
        )

    assert fake.tokens_issued == []


def test_non_positive_duration_is_refused(zoom: ZoomClient) -> None:
    with pytest.raises(ValueError, match="duration"):
        zoom.create_meeting(topic="Session", start=START, duration_minutes=0)


# -- tokens -----------------------------------------------------------------------------------


def test_token_request_uses_account_credentials_grant_with_basic_auth(
    zoom: ZoomClient, fake: FakeZoomServer
) -> None:
    create(zoom)

    assert fake.state.token_requests == [
        {"grant_type": "account_credentials", "account_id": ACCOUNT_ID}
    ]
    assert fake.requests[0][2] == fake.tokens_issued[0]


def test_token_is_cached_between_calls(zoom: ZoomClient, fake: FakeZoomServer) -> None:
    create(zoom)
    meeting = create(zoom)
    zoom.delete_meeting(meeting.id)

    assert len(fake.tokens_issued) == 1


def test_token_is_renewed_shortly_before_it_expires(
    zoom: ZoomClient, fake: FakeZoomServer, clock: FakeClock
) -> None:
    create(zoom)
    clock.now += 3599 - 61  # still more than a minute left
    create(zoom)
    assert len(fake.tokens_issued) == 1

    clock.now += 2  # inside the last minute
    create(zoom)

    assert len(fake.tokens_issued) == 2
    assert fake.requests[-1][2] == fake.tokens_issued[1]


def test_expired_token_is_refreshed_once_on_401_and_the_call_succeeds(
    zoom: ZoomClient, fake: FakeZoomServer
) -> None:
    create(zoom)
    fake.expire_tokens()

    meeting = create(zoom)

    assert int(meeting.id) in fake.meetings
    assert len(fake.tokens_issued) == 2
    assert len(fake.meetings) == 2  # the refused attempt created nothing


def test_persistent_401_raises_zoom_error_after_one_retry(
    zoom: ZoomClient, fake: FakeZoomServer
) -> None:
    fake.reject_all_tokens = True

    with pytest.raises(ZoomError) as info:
        create(zoom)

    assert info.value.status == 401
    assert info.value.code == 124
    assert len(fake.tokens_issued) == 2
    assert len(fake.requests) == 2


def test_wrong_credentials_raise_zoom_error_without_the_secret(fake: FakeZoomServer) -> None:
    with (
        ZoomClient(
            ACCOUNT_ID,
            CLIENT_ID,
            "not-the-secret",
            oauth_base=fake.oauth_base,
            api_base=fake.api_base,
        ) as client,
        pytest.raises(ZoomError) as info,
    ):
        create(client)

    assert info.value.status == 401
    assert "not-the-secret" not in str(info.value)
    assert fake.requests == []


def test_wrong_account_id_raises_zoom_error(fake: FakeZoomServer) -> None:
    with (
        ZoomClient(
            "other-account",
            CLIENT_ID,
            CLIENT_SECRET,
            oauth_base=fake.oauth_base,
            api_base=fake.api_base,
        ) as client,
        pytest.raises(ZoomError) as info,
    ):
        create(client)

    assert info.value.status == 400


# -- moving -----------------------------------------------------------------------------------


def test_update_meeting_patches_only_the_new_time_in_utc(
    zoom: ZoomClient, fake: FakeZoomServer
) -> None:
    meeting = create(zoom)
    winter = datetime(2026, 3, 27, 10, 0, tzinfo=STOCKHOLM)  # 09:00 UTC, before summer time

    zoom.update_meeting(meeting.id, start=winter, duration_minutes=80)

    assert fake.requests[-1][:2] == ("PATCH", f"/v2/meetings/{meeting.id}")
    assert fake.updates == [
        (
            int(meeting.id),
            {"start_time": "2026-03-27T09:00:00Z", "duration": 80, "timezone": "Europe/Stockholm"},
        )
    ]
    stored = fake.meetings[int(meeting.id)].body
    # Topic, passcode and settings stay as they were: nothing about the client is sent.
    assert (stored["topic"], stored["password"]) == ("Session", meeting.password)


def test_update_meeting_zoom_does_not_know_raises_with_status_and_code_only(
    zoom: ZoomClient, fake: FakeZoomServer
) -> None:
    meeting = create(zoom)
    zoom.delete_meeting(meeting.id)

    with pytest.raises(ZoomError) as info:
        zoom.update_meeting(meeting.id, start=START, duration_minutes=50)

    assert (info.value.status, info.value.code) == (404, 3001)
    assert str(info.value) == "Zoom did not update the meeting (HTTP 404, Zoom code 3001)"
    assert fake.updates == []


def test_update_meeting_refuses_bad_ids_and_naive_starts_before_calling_zoom(
    zoom: ZoomClient, fake: FakeZoomServer
) -> None:
    with pytest.raises(ValueError):
        zoom.update_meeting("../users/me", start=START, duration_minutes=50)
    with pytest.raises(ValueError, match="timezone-aware"):
        zoom.update_meeting("123", start=datetime(2026, 6, 1, 14, 30), duration_minutes=50)
    assert fake.requests == []


def test_the_fixed_link_has_nothing_to_move() -> None:
    video = FixedLinkVideo("https://meet.example/room")
    assert video.update_meeting("", start=START, duration_minutes=50) is None


# -- deleting ---------------------------------------------------------------------------------


def test_delete_meeting_deletes_it(zoom: ZoomClient, fake: FakeZoomServer) -> None:
    meeting = create(zoom)

    zoom.delete_meeting(meeting.id)

    assert fake.meetings[int(meeting.id)].deleted
    assert fake.requests[-1][:2] == ("DELETE", f"/v2/meetings/{meeting.id}")


def test_deleting_a_meeting_zoom_does_not_know_counts_as_done(
    zoom: ZoomClient, fake: FakeZoomServer
) -> None:
    meeting = create(zoom)
    zoom.delete_meeting(meeting.id)

    zoom.delete_meeting(meeting.id)
    zoom.delete_meeting("12345")

    assert [r[:2] for r in fake.requests[-2:]] == [
        ("DELETE", f"/v2/meetings/{meeting.id}"),
        ("DELETE", "/v2/meetings/12345"),
    ]


def test_delete_refuses_ids_that_are_not_zoom_meeting_ids(zoom: ZoomClient) -> None:
    with pytest.raises(ValueError):
        zoom.delete_meeting("../users/me")


def test_delete_failure_other_than_404_raises(zoom: ZoomClient, fake: FakeZoomServer) -> None:
    meeting = create(zoom)
    fake.fail_next(400, 3000, "Cannot delete meeting of anna@example.com")

    with pytest.raises(ZoomError) as info:
        zoom.delete_meeting(meeting.id)

    assert info.value.code == 3000


# -- errors -----------------------------------------------------------------------------------


def test_api_error_carries_status_and_code_but_not_zooms_message(
    zoom: ZoomClient, fake: FakeZoomServer
) -> None:
    fake.fail_next(404, 1001, "User does not exist: anna@example.com")

    with pytest.raises(ZoomError) as info:
        create(zoom)

    assert info.value.status == 404
    assert info.value.code == 1001
    assert str(info.value) == "Zoom did not create the meeting (HTTP 404, Zoom code 1001)"
    assert "anna" not in str(info.value)


def test_rate_limit_raises_zoom_error(zoom: ZoomClient, fake: FakeZoomServer) -> None:
    fake.fail_next(429, 429, "Too many requests")

    with pytest.raises(ZoomError) as info:
        create(zoom)

    assert info.value.status == 429


def test_unreachable_zoom_raises_zoom_error() -> None:
    with (
        ZoomClient(
            ACCOUNT_ID,
            CLIENT_ID,
            CLIENT_SECRET,
            oauth_base="http://127.0.0.1:9",
            api_base="http://127.0.0.1:9/v2",
            timeout=2,
        ) as client,
        pytest.raises(ZoomError, match="could not be reached"),
    ):
        create(client)


# -- fixed link -------------------------------------------------------------------------------


def test_fixed_link_returns_the_configured_link_for_every_meeting() -> None:
    video = FixedLinkVideo("https://meet.example/practice-room")

    meeting = video.create_meeting(topic="Session", start=START, duration_minutes=50)

    assert meeting == Meeting(
        id="",
        join_url="https://meet.example/practice-room",
        start_url="https://meet.example/practice-room",
        password=None,
    )


def test_fixed_link_delete_does_nothing() -> None:
    video = FixedLinkVideo("https://meet.example/practice-room")

    video.delete_meeting("")
    video.delete_meeting("85000000001")

    assert video.create_meeting(topic="S", start=START, duration_minutes=5).join_url == video.url


def test_fixed_link_refuses_naive_start_like_zoom() -> None:
    with pytest.raises(ValueError):
        FixedLinkVideo("https://meet.example/r").create_meeting(
            topic="Session", start=datetime(2026, 6, 1, 14, 30), duration_minutes=50
        )


def test_fixed_link_must_be_a_web_url() -> None:
    with pytest.raises(ValueError):
        FixedLinkVideo("javascript:alert(1)")


def test_both_providers_satisfy_the_video_meetings_protocol(zoom: ZoomClient) -> None:
    providers: list[VideoMeetings] = [zoom, FixedLinkVideo("https://meet.example/r")]

    assert all(
        callable(p.create_meeting) and callable(p.update_meeting) and callable(p.delete_meeting)
        for p in providers
    )


def test_generated_password_mixes_letters_and_digits() -> None:
    for _ in range(50):
        password = generate_password()
        assert len(password) == 10
        assert any(c.isdigit() for c in password)
        assert any(c.isalpha() for c in password)
