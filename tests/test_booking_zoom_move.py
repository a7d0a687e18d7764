"""A moved booking's Zoom meeting follows it (PATCH, through the worker), with the same link; a
failure is retried, and one that lasts is shown to the coach. Against the local Zoom fake."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail

from consonance.booking import meetings
from consonance.booking.meetings import SYNC_ATTEMPTS, booking_meeting_setup
from consonance.booking.models import Booking
from consonance.booking.tasks import booking_zoom_sync_task
from consonance.booking.tokens import booking_token
from tests.factories import NOW, STAFF_EMAIL, confirmed_booking, sent_to, staff_mail
from tests.fakes.zoom_server import ACCOUNT_ID, CLIENT_ID, CLIENT_SECRET, FakeZoomServer

pytestmark = pytest.mark.django_db

THURSDAY_10 = datetime(2026, 3, 19, 9, 0, tzinfo=UTC)  # 10:00 in Stockholm (winter time)


@pytest.fixture
def zoom(settings, practice):
    settings.CONSONANCE_STAFF_EMAIL = STAFF_EMAIL
    settings.VIDEO_LINK = ""
    with FakeZoomServer() as fake:
        settings.ZOOM_ACCOUNT_ID = ACCOUNT_ID
        settings.ZOOM_CLIENT_ID = CLIENT_ID
        settings.ZOOM_CLIENT_SECRET = CLIENT_SECRET
        settings.ZOOM_OAUTH_BASE = fake.oauth_base
        settings.ZOOM_API_BASE = fake.api_base
        yield fake


@pytest.fixture
def booked(zoom, practice, run_after_commit) -> Booking:
    """A confirmed video session on Thursday with its Zoom meeting (made as payment makes it)."""
    video, _ = practice
    booking = confirmed_booking(video, THURSDAY_10)
    run_after_commit(lambda: booking_meeting_setup(booking_id=booking.pk))
    booking.refresh_from_db()
    assert booking.zoom_meeting_id and booking.join_url.startswith("https://zoom.example/j/")
    mail.outbox.clear()
    return booking


def move_by_coach(staff_client, run_after_commit, booking, day="2026-03-30", time="10:00"):
    url = f"/staff/booking/{booking.pk}/move/"
    response = run_after_commit(lambda: staff_client.post(url, {"day": day, "time": time}))
    assert response.status_code == 302
    booking.refresh_from_db()


def html_of(message) -> str:
    return next(a.content for a in message.alternatives if a.mimetype == "text/html")


def test_the_coach_moves_a_zoom_session_and_the_meeting_gets_the_new_time_and_keeps_its_link(
    staff_client, zoom, booked, run_after_commit
):
    link = booked.join_url
    meeting = zoom.meetings[int(booked.zoom_meeting_id)]
    # Across the change to summer time: 10:00 in Stockholm on 30 March is 08:00 UTC.
    move_by_coach(staff_client, run_after_commit, booked)
    assert booked.starts_at == datetime(2026, 3, 30, 8, 0, tzinfo=UTC)
    assert zoom.updates == [
        (
            meeting.id,
            {"start_time": "2026-03-30T08:00:00Z", "duration": 50, "timezone": "Europe/Stockholm"},
        )
    ]
    assert [r[:2] for r in zoom.requests if r[0] == "PATCH"] == [
        ("PATCH", f"/v2/meetings/{meeting.id}")
    ]
    after = zoom.meetings[meeting.id].body
    assert after["topic"] == "Samtal" and "Astrid" not in str(after)  # never her name
    assert (booked.zoom_sync, booked.join_url, booked.zoom_meeting_id) == (
        "",
        link,
        str(meeting.id),
    )
    # Her e-mail: the new time, the same link, in the text and in the HTML part.
    [moved] = sent_to("astrid@example.se")
    assert "måndag 30 mars 2026 10:00" in moved.body and link in moved.body
    assert f'href="{link}"' in html_of(moved)
    assert not any("Zoom" in m.subject for m in staff_mail())


def test_a_client_moves_her_zoom_session_from_the_link_and_the_meeting_follows(
    client, zoom, booked, run_after_commit
):
    url = f"/boka/flytta/{booking_token(booked, 'move')}/"
    starts = re.findall(r'name="start" value="(\d{8}T\d{4}Z)"', client.get(url).content.decode())
    response = run_after_commit(lambda: client.post(url, {"start": starts[-1]}))
    assert response.status_code == 302
    booked.refresh_from_db()
    [(meeting_id, body)] = zoom.updates
    assert meeting_id == int(booked.zoom_meeting_id)
    assert body["start_time"] == booked.starts_at.strftime("%Y-%m-%dT%H:%M:00Z")
    assert booked.starts_at.strftime("%Y%m%dT%H%MZ") == starts[-1]
    [moved] = sent_to("astrid@example.se")
    assert booked.join_url in moved.body


def test_a_zoom_failure_that_passes_is_retried_by_the_worker(
    staff_client, zoom, booked, run_after_commit
):
    zoom.fail_next(503, 0, "Service unavailable for anna@example.se")
    move_by_coach(staff_client, run_after_commit, booked)
    assert (booked.zoom_sync, booked.zoom_sync_attempts, zoom.updates) == ("pending", 1, [])
    assert booked.zoom_sync_next_at > NOW + timedelta(seconds=30)  # in a minute, not now
    page = staff_client.get(f"/staff/booking/{booked.pk}/").content.decode()
    assert "Zoom-mötet får den nya tiden" in page
    # Not before its time; then the periodic job tries again, and Zoom has the new time.
    assert booking_zoom_sync_task.call() == 0
    with time_machine.travel(NOW + timedelta(minutes=2), tick=False):
        assert booking_zoom_sync_task.call() == 1
    booked.refresh_from_db()
    assert (booked.zoom_sync, booked.zoom_sync_attempts) == ("", 0)
    assert zoom.updates[-1][1]["start_time"] == "2026-03-30T08:00:00Z"
    assert not any("Zoom" in m.subject for m in staff_mail())


def test_a_zoom_meeting_that_cannot_be_moved_waits_for_the_coach_on_her_overview(
    staff_client, zoom, booked, run_after_commit, settings
):
    # Someone deleted the meeting in Zoom: moving it cannot work, so she is told at once.
    zoom.state.meetings[int(booked.zoom_meeting_id)].deleted = True
    move_by_coach(staff_client, run_after_commit, booked)
    assert (booked.zoom_sync, booked.zoom_sync_attempts) == ("failed", 1)
    [notice] = [m for m in staff_mail() if "Zoom" in m.subject]
    assert notice.subject.startswith("Zoom-mötet har fel tid: Astrid")
    assert "Lindqvist" not in notice.body and "astrid@example.se" not in notice.body
    assert f"/staff/booking/{booked.pk}/" in notice.body
    waiting = staff_client.get("/staff/").content.decode().split('id="vantar"')[1]
    waiting = waiting.split("</section>")[0]
    assert "Zoom-mötet har fel tid" in waiting and "Astrid" in waiting
    assert f"/staff/booking/{booked.pk}/" in waiting
    page = staff_client.get(f"/staff/booking/{booked.pk}/").content.decode()
    assert "har kvar den gamla tiden" in page and "Försök igen" in page
    # The meeting is back (restored in Zoom): her "try again" moves it, and the item goes.
    zoom.state.meetings[int(booked.zoom_meeting_id)].deleted = False
    response = run_after_commit(lambda: staff_client.post(f"/staff/booking/{booked.pk}/zoom/"))
    assert response.status_code == 302
    booked.refresh_from_db()
    assert booked.zoom_sync == "" and zoom.updates[-1][1]["start_time"] == "2026-03-30T08:00:00Z"
    assert "Zoom-mötet har fel tid" not in staff_client.get("/staff/").content.decode()
    # Nothing to try again now.
    response = staff_client.post(f"/staff/booking/{booked.pk}/zoom/", follow=True)
    assert "Zoom-mötet har redan rätt tid." in response.content.decode()


def test_after_the_last_try_a_lasting_outage_is_shown_and_a_new_link_settles_it(
    staff_client, zoom, booked, run_after_commit
):
    for _ in range(SYNC_ATTEMPTS):
        zoom.fail_next(500, 0)
    move_by_coach(staff_client, run_after_commit, booked)
    waited = timedelta()
    for attempt in range(2, SYNC_ATTEMPTS + 1):
        waited += timedelta(minutes=2 ** (attempt - 2))
        with time_machine.travel(NOW + waited + timedelta(seconds=30), tick=False):
            run_after_commit(booking_zoom_sync_task.call)
        booked.refresh_from_db()
        assert booked.zoom_sync_attempts == attempt
    assert booked.zoom_sync == "failed" and zoom.updates == []
    assert waited == timedelta(minutes=1 + 2 + 4 + 8 + 16)
    assert len([m for m in staff_mail() if "Zoom" in m.subject]) == 1
    # She makes a new room and saves its link: the client gets it, and nothing waits any more.
    response = run_after_commit(
        lambda: staff_client.post(
            f"/staff/booking/{booked.pk}/video-link/", {"join_url": "https://video.example/nytt"}
        )
    )
    assert response.status_code == 302
    booked.refresh_from_db()
    assert booked.zoom_sync == "" and booked.join_url == "https://video.example/nytt"
    assert "Zoom-mötet har fel tid" not in staff_client.get("/staff/").content.decode()


def test_a_cancelled_booking_has_no_meeting_left_to_move(
    staff_client, zoom, booked, run_after_commit
):
    zoom.fail_next(503, 0)
    move_by_coach(staff_client, run_after_commit, booked)
    run_after_commit(
        lambda: staff_client.post(f"/staff/booking/{booked.pk}/cancel/", {"refund": "rule"})
    )
    booked.refresh_from_db()
    assert booked.state == Booking.State.CANCELLED and booked.zoom_meeting_id == ""
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        booking_zoom_sync_task.call()
    booked.refresh_from_db()
    assert booked.zoom_sync == "" and zoom.updates == []


def test_a_second_move_while_zoom_is_called_is_sent_right_after(
    staff_client, zoom, booked, run_after_commit, monkeypatch
):
    zoom_client = meetings.video_meetings()

    class MovedMeanwhile:
        """Zoom takes its time; meanwhile the coach moves the session once more."""

        def update_meeting(self, meeting_id, **schedule):
            zoom_client.update_meeting(meeting_id, **schedule)
            if len(zoom.updates) == 1:
                move_by_coach(staff_client, run_after_commit, booked, day="2026-03-31")

    monkeypatch.setattr(meetings, "video_meetings", MovedMeanwhile)
    real_move = meetings.booking_meeting_move
    outcomes: list[str] = []

    def recorded(**kwargs):
        outcomes.append(real_move(**kwargs))
        return outcomes[-1]

    monkeypatch.setattr(meetings, "booking_meeting_move", recorded)
    move_by_coach(staff_client, run_after_commit, booked)
    booking_zoom_sync_task.call()  # whatever is still due
    booked.refresh_from_db()
    # The second move's task found the first run still at work and left the new time to it:
    # the first run saw the time had changed and made the booking due again.
    assert outcomes[:2] == ["skipped", "again"] and outcomes[-1] == "updated"
    assert [body["start_time"] for _id, body in zoom.updates] == [
        "2026-03-30T08:00:00Z",
        "2026-03-31T08:00:00Z",
    ]
    assert booked.zoom_sync == ""
