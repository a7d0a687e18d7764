"""Public booking pages: free times across DST changes, the visitor's zone, e-mail packages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from consonance.booking.models import Booking, DayOff
from tests.factories import BANKGIRO, NOW, form, make_practice, slot_links, start_of

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def env(settings):
    settings.SITE_URL = "https://praktik.example"
    settings.BANKGIRO_NUMBER = BANKGIRO
    settings.STRIPE_SECRET_KEY = ""


def links_on(client, service, page, tz=""):
    query = f"?sida={page}" + (f"&tz={tz}" if tz else "")
    return slot_links(client.get(f"/boka/{service.pk}/{query}").content.decode(), service)


def test_the_services_page_lists_bookable_services(client, env):
    with time_machine.travel(NOW, tick=True):
        video, email = make_practice()
        page = client.get("/boka/").content.decode()
        assert video.name_sv in page and email.name_sv in page
        assert client.get("/en/book/").status_code == 200


def test_slots_keep_stockholm_wall_time_across_the_march_change(client, env):
    with time_machine.travel(NOW, tick=True):
        video, _ = make_practice()
        before = [start_of(link) for link in links_on(client, video, 1)]
        after = [start_of(link) for link in links_on(client, video, 2)]
    # Friday 27 March 09:00 is 08:00 UTC (CET); Monday 30 March 09:00 is 07:00 UTC (CEST).
    assert datetime(2026, 3, 27, 8, 0, tzinfo=UTC) in before
    assert datetime(2026, 3, 30, 7, 0, tzinfo=UTC) in after
    assert datetime(2026, 3, 30, 8, 0, tzinfo=UTC) in after  # 10:00 CEST


def test_slots_keep_stockholm_wall_time_across_the_october_change(client, env):
    with time_machine.travel(datetime(2026, 10, 12, 8, 0, tzinfo=UTC), tick=True):
        video, _ = make_practice(weekend=True)
        starts = [
            start_of(link) for link in links_on(client, video, 1) + links_on(client, video, 2)
        ]
    assert datetime(2026, 10, 24, 7, 0, tzinfo=UTC) in starts  # Saturday 09:00 CEST
    assert datetime(2026, 10, 25, 8, 0, tzinfo=UTC) in starts  # Sunday 09:00 CET
    assert datetime(2026, 10, 25, 7, 0, tzinfo=UTC) not in starts


def test_times_are_also_shown_in_the_visitors_zone(client, env):
    with time_machine.travel(NOW, tick=True):
        video, _ = make_practice()
        page = client.get(f"/boka/{video.pk}/?sida=1&tz=America/New_York").content.decode()
        assert "din tid" in page and 'value="America/New_York" selected' in page
        assert "din tid" not in client.get(f"/boka/{video.pk}/?tz=Nowhere/Land").content.decode()


def test_a_day_off_offers_no_slots(client, env):
    with time_machine.travel(NOW, tick=True):
        video, _ = make_practice()
        DayOff.objects.create(day=datetime(2026, 3, 24).date(), note="Ledig")
        starts = [start_of(link) for link in links_on(client, video, 1)]
    assert starts and not any(s.date() == datetime(2026, 3, 24).date() for s in starts)


def test_every_slot_offered_can_be_booked(client, env):
    with time_machine.travel(NOW, tick=True):
        video, _ = make_practice()
        links = links_on(client, video, 1)
        # Every fifth slot, so that the bookings (with their buffers) do not touch each other.
        chosen = links[::5]
        for n, link in enumerate(chosen):
            response = client.post(link, form("bankgiro", n))
            assert response.status_code == 302
            assert "/boka/bokning/" in response["Location"], link
    assert Booking.objects.filter(state=Booking.State.HELD).count() == len(chosen)


def test_a_booked_slot_and_its_neighbours_within_the_buffer_are_no_longer_offered(client, env):
    with time_machine.travel(NOW, tick=True):
        video, _ = make_practice()
        links = links_on(client, video, 1)
        client.post(links[0], form("bankgiro"))
        after = links_on(client, video, 1)
        assert links[0] not in after and links[1] not in after  # 09:00 taken, 09:30 overlaps
        assert client.post(links[1], form("bankgiro", 2)).status_code == 302
    assert Booking.objects.count() == 1


def test_the_email_consultation_form_warns_about_health_details(client, env):
    with time_machine.travel(NOW, tick=True):
        _, email = make_practice()
        page = client.get(f"/boka/{email.pk}/").content.decode()
        assert "Hälsouppgifter" in page
        assert "48 timmar efter bokningen" in page
        response = client.post(f"/boka/{email.pk}/", form("bankgiro"))
        assert response.status_code == 302
    booking = Booking.objects.get()
    assert booking.starts_at is None and booking.state == Booking.State.HELD


def test_only_first_name_last_name_and_email_are_required(client, env):
    with time_machine.travel(NOW, tick=True):
        _, email = make_practice()
        response = client.post(f"/boka/{email.pk}/", {"method": "bankgiro"})
        page = response.content.decode()
    assert response.status_code == 200
    assert page.count("errorlist") == 3


def test_with_only_bankgiro_no_slot_too_near_to_pay_an_invoice_is_offered(client, env):
    with time_machine.travel(NOW, tick=False):
        video, _ = make_practice()
        starts = [
            start_of(link) for link in links_on(client, video, 0) + links_on(client, video, 1)
        ]
        assert starts, "later slots are still offered"
        assert all(start - NOW >= timedelta(days=4) for start in starts)
        # ... and each of them can really be booked by invoice.
        page = client.get(f"/boka/{video.pk}/{starts[0].strftime('%Y%m%dT%H%MZ')}/")
        assert "För nära i tid" not in page.content.decode()
