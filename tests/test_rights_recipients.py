"""Recipients per person (issue 20, P24, GDPR art. 15.1 c): her privacy center and her export name
the recipients that actually received HER data, with dates; the policy page keeps the whole list."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile

import pytest
import time_machine
from django.core import mail

from consonance.booking.models import Booking
from consonance.bookkeeping.models import FortnoxPosting, Voucher
from tests.factories import (
    book_by_bankgiro,
    confirmed_booking,
    make_practice,
    pay,
    sign_in,
)

pytest_plugins = ["tests.factories"]
pytestmark = pytest.mark.django_db(transaction=True)
OVERVIEW = "/mina-uppgifter/oversikt/"
DOWNLOAD = "/mina-uppgifter/ladda-ner/"
STRIPE, PAYPAL, ZOOM = "Stripe Payments", "PayPal (Europe)", "Zoom Communications"


def _shared(page: str) -> str:
    """The "Delat med" section of her overview."""
    match = re.search(r'<h2 id="delat-med">.*?</ul>', page, re.S)
    assert match, "no Delat med section"
    return match.group(0)


def _export(client) -> tuple[dict, str]:
    response = client.get(DOWNLOAD)
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    return json.loads(archive.read("data.json")), archive.read("index.html").decode()


def test_a_bankgiro_payer_sees_bankgirot_and_no_card_or_paypal_provider(client, practice):
    video, _email = practice
    _response, booking = book_by_bankgiro(client, video)
    pay(booking.order)
    email = booking.person.email
    sign_in(client, email)
    shared = _shared(client.get(OVERVIEW).content.decode())
    assert "Bankgirocentralen BGC AB" in shared and "16 mars 2026" in shared
    # Mail went to her (the booking, the sign-in link): the mail provider carried it.
    assert "E-postleverantören" in shared
    for absent in (STRIPE, PAYPAL, ZOOM, "Swedbank", "Fortnox"):
        assert absent not in shared
    data, html = _export(client)
    ids = {r["id"] for r in data["recipients"]}
    assert ids == {"hosting", "bankgirot", "email"}
    bankgirot = next(r for r in data["recipients"] if r["id"] == "bankgirot")
    assert bankgirot["first"].startswith("2026-03-16") and bankgirot["last"]
    for category in data["categories"]:
        assert {r["id"] for r in category["recipients"]} <= ids
    assert "Bankgirocentralen BGC AB" in html
    assert STRIPE not in html and PAYPAL not in html and ZOOM not in html
    # The policy page still lists every recipient the practice may use.
    policy = client.get("/integritet/").content.decode()
    assert STRIPE in policy and ZOOM in policy


def _zoom_client(video, email: str, *, zoom: bool, hour: int) -> Booking:
    starts = dt.datetime(2026, 3, 19, hour, 0, tzinfo=dt.UTC)
    booking = confirmed_booking(video, starts, email=email, first="Vera")
    booking.confirmed_at = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)
    booking.zoom_meeting_id = "8123456789" if zoom else ""
    booking.save()
    return booking


@time_machine.travel(dt.datetime(2026, 4, 2, 8, 0, tzinfo=dt.UTC), tick=True)
def test_a_zoom_meeting_shows_zoom_with_its_dates_and_none_shows_no_zoom(client):
    video, _email = make_practice()
    _zoom_client(video, "vera@example.se", zoom=True, hour=9)
    sign_in(client, "vera@example.se")
    shared = _shared(client.get(OVERVIEW).content.decode())
    # Made on 10 March (her name to Zoom), held on 19 March.
    assert f"{ZOOM}, Inc.</strong> (Videokonsultationer)" in shared
    assert "10 mars 2026 till 19 mars 2026" in shared
    # Her card payment was made in the database, not through Stripe: no Stripe either.
    assert STRIPE not in shared
    data, html = _export(client)
    [zoom] = [r for r in data["recipients"] if r["id"] == "zoom"]
    assert zoom["first"].startswith("2026-03-10") and zoom["last"].startswith("2026-03-19")
    assert "10 mars 2026 till 19 mars 2026" in html

    other = client.__class__()
    _zoom_client(video, "ulla@example.se", zoom=False, hour=11)
    mail.outbox.clear()
    sign_in(other, "ulla@example.se")
    assert ZOOM not in _shared(other.get(OVERVIEW).content.decode())
    data, _html = _export(other)
    assert "zoom" not in {r["id"] for r in data["recipients"]}


def test_fortnox_only_for_vouchers_posted_there(client, practice):
    video, _email = practice
    _response, booking = book_by_bankgiro(client, video)
    pay(booking.order)
    person = booking.person
    sign_in(client, person.email)
    assert "Fortnox" not in _shared(client.get(OVERVIEW).content.decode())
    voucher = Voucher.objects.filter(person=person).first()
    assert voucher is not None  # the payment's voucher, about her
    FortnoxPosting.objects.create(
        voucher=voucher,
        state=FortnoxPosting.State.SENT,
        sent_at=dt.datetime(2026, 3, 17, 10, 0, tzinfo=dt.UTC),
    )
    shared = _shared(client.get(OVERVIEW).content.decode())
    assert "Fortnox AB</strong> (Bokföringssystem): 17 mars 2026" in shared
