"""50 simultaneous bookings of one slot, 20 rounds: exactly one booking each round, no 5xx."""

from __future__ import annotations

import threading

import pytest
import time_machine
from django.db import connection
from django.test import Client

from consonance.booking.models import Booking
from tests.factories import BANKGIRO, NOW, form, make_practice, slot_links

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 50
ROUNDS = 20


def test_fifty_simultaneous_bookings_of_one_slot_make_exactly_one_booking(settings):
    settings.RATE_LIMIT_PER_IP = (1000, 3600)  # fifty visitors, one test client address
    settings.SITE_URL = "https://praktik.example"
    settings.BANKGIRO_NUMBER = BANKGIRO
    settings.STRIPE_SECRET_KEY = ""
    with time_machine.travel(NOW, tick=True):
        video, _ = make_practice()
        page = Client().get(f"/boka/{video.pk}/?sida=1").content.decode()
        links = slot_links(page, video)
        assert len(links) >= ROUNDS
        for round_no in range(ROUNDS):
            link = links[round_no * 3 % len(links)]
            statuses: list[int] = []
            barrier = threading.Barrier(THREADS)

            def attempt(n: int, link=link, round_no=round_no, statuses=statuses, barrier=barrier):
                try:
                    client = Client()
                    barrier.wait()
                    response = client.post(link, form("bankgiro", n=round_no * 1000 + n))
                    statuses.append(response.status_code)
                finally:
                    connection.close()

            threads = [threading.Thread(target=attempt, args=(n,)) for n in range(THREADS)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert len(statuses) == THREADS
            assert all(status < 500 for status in statuses), statuses
            stamp = link.rstrip("/").rsplit("/", 1)[1]
            held = Booking.objects.filter(state__in=Booking.ACTIVE)
            assert sum(1 for b in held if b.starts_at.strftime("%Y%m%dT%H%MZ") == stamp) == 1
        assert Booking.objects.filter(state__in=Booking.ACTIVE).count() == len(
            {links[r * 3 % len(links)] for r in range(ROUNDS)}
        )
