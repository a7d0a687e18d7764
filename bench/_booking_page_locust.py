"""Locust users for bench/booking_page.py: visitors looking at free times and the booking form."""

from __future__ import annotations

import os
import random
import re

from locust import HttpUser, between, task

SERVICE = os.environ.get("BENCH_SERVICE_ID", "1")


class Visitor(HttpUser):
    wait_time = between(0.5, 1.5)

    @task(3)
    def free_times(self) -> None:
        page = random.choice(["", "?sida=1", "?sida=2", "?tz=America/New_York"])
        with self.client.get(
            f"/boka/{SERVICE}/{page}", name="/boka/<service>/", catch_response=True
        ) as r:
            links = re.findall(r'href="(/boka/\d+/\d{8}T\d{4}Z/)', r.text)
            if r.status_code != 200 or not links:
                r.failure("no free times")
            else:
                self.links = links

    @task(1)
    def booking_form(self) -> None:
        links = getattr(self, "links", None)
        if links:
            self.client.get(random.choice(links), name="/boka/<service>/<start>/")

    @task(1)
    def services(self) -> None:
        self.client.get("/boka/", name="/boka/")
