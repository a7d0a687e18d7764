"""Issue 21, findings 4, 5, 6, 11, 12 and 14: forms that take an address answer alike for
known and unknown ones, are rate-limited, erase cleanly with mail waiting, move no retention
clock on a stranger's word, carry no readable address in a link, and spend their tokens once."""

from __future__ import annotations

import base64
import datetime as dt
import html as html_lib
import json
import re

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from consonance.booking.models import Booking
from consonance.contact.models import Message
from consonance.mail.models import OutboxMessage
from consonance.people.models import Person
from tests.factories import (
    EMAIL,
    NOW,
    book_by_bankgiro,
    contact_form,
    contact_page_fields,
    pay,
    populated_person,
    sign_in,
)

pytestmark = pytest.mark.django_db(transaction=True)

NEW = "klara.ny@example.se"
RECTIFY = "/mina-uppgifter/ratta/"


def _rectify(client, address: str):
    return client.post(RECTIFY, {"first_name": "Klara", "last_name": "Ek", "email": address})


def _hold_mail(settings) -> None:
    """Queued mail waits: no worker runs (the task is only recorded)."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


# 5 -------------------------------------------------------------------------------------------


def test_5_thirty_rectifications_naming_one_address_mail_it_at_most_five_times(client, settings):
    populated_person()
    sign_in(client)
    mail.outbox.clear()
    statuses = [_rectify(client, "victim@example.se").status_code for _ in range(30)]
    assert statuses[:5] == [302] * 5 and set(statuses[5:]) == {429}
    assert len([m for m in mail.outbox if m.to == ["victim@example.se"]]) == 5
    page = _rectify(client, "victim@example.se").content.decode()
    assert "Vänta en stund" in page and "victim@example.se" not in page
    # Changing only her name is no mail, and is never limited.
    assert all(_rectify(client, EMAIL).status_code == 302 for _ in range(8))


# 6 -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("sent", [False, True], ids=["waiting", "sent"])
def test_6_erasure_with_an_address_change_and_a_newsletter_confirmation_in_the_outbox(
    client, settings, sent
):
    populated_person()
    sign_in(client)
    if not sent:
        _hold_mail(settings)
    assert _rectify(client, NEW).status_code == 302
    client.post(
        "/nyhetsbrev/",
        {"first_name": "Klara", "last_name": "Ek", "email": EMAIL, "consent": "on"},
    )
    assert OutboxMessage.objects.filter(recipient=NEW).exists()
    response = client.post("/mina-uppgifter/radera/", {"confirm": "on"})
    assert response.status_code == 302 and "/kvitto/" in response["Location"]
    assert not Person.objects.exists()
    # Nothing addressed to her, old address or the one she was moving to, waits to be sent.
    left = OutboxMessage.objects.exclude(template="rights_erasure_receipt")
    assert not left.filter(recipient__in=[EMAIL, NEW]).exists()


# 12 ------------------------------------------------------------------------------------------


def _readable(token: str) -> str:
    text = ""
    for part in re.split(r"[.:]", token):
        try:
            text += base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)).decode("latin-1")
        except ValueError:
            continue
    return text.lower()


def test_12_the_address_change_link_does_not_carry_the_new_address_readably(client):
    populated_person()
    sign_in(client)
    _rectify(client, NEW)
    body = mail.outbox[-1].body
    token = re.search(r"/mina-uppgifter/ratta/adress/([^/\s]+)/", body)[1]
    assert "klara.ny" not in _readable(token) and "example.se" not in _readable(token)
    path = f"/mina-uppgifter/ratta/adress/{token}/"
    assert client.post(path).status_code == 200
    assert Person.objects.get().email == NEW
    tampered = f"/mina-uppgifter/ratta/adress/{token[:-3]}AAA/"
    assert client.post(tampered).status_code == 400


# 11 ------------------------------------------------------------------------------------------


def _long_quiet(email: str) -> tuple[Person, dt.datetime]:
    """A client last in touch 700 days ago: her contact details are due to go soon (P10)."""
    populated_person(email, "Astrid", "Lindqvist")
    quiet = timezone.now() - dt.timedelta(days=700)
    Person.objects.filter(email=email).update(last_contact_at=quiet)
    return Person.objects.get(email=email), quiet


def test_11_a_booking_in_her_name_moves_her_clock_only_once_it_is_paid(client, practice):
    video, _ = practice
    person, quiet = _long_quiet("astrid1@example.se")
    _response, booking = book_by_bankgiro(client, video)
    assert booking.person_id == person.pk and booking.state == Booking.State.HELD
    person.refresh_from_db()
    assert person.last_contact_at == quiet  # a stranger could have typed her address
    pay(booking.order)
    person.refresh_from_db()
    assert person.last_contact_at > timezone.now() - dt.timedelta(hours=1)


def test_11_a_contact_message_in_her_name_leaves_her_clock_alone(client):
    person, quiet = _long_quiet("karin1@example.se")
    messages = person.contact_messages.count()
    with time_machine.travel(NOW, tick=False) as traveller:
        fields = contact_page_fields(client.get("/kontakt/").content.decode())
        traveller.shift(dt.timedelta(seconds=10))
        response = client.post("/kontakt/", {**contact_form(1), **fields})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.last_contact_at == quiet
    assert person.contact_messages.count() == messages + 1


# 14 ------------------------------------------------------------------------------------------


def _contact_page(client) -> dict[str, str]:
    return contact_page_fields(client.get("/kontakt/").content.decode())


def test_14_a_contact_form_token_carries_one_message_only(client):
    with time_machine.travel(NOW, tick=False) as traveller:
        first = _contact_page(client)
        second = _contact_page(client)  # a fresh proof of work, the first page's token again
        traveller.shift(dt.timedelta(seconds=10))
        sent = client.post("/kontakt/", {**contact_form(1), **first})
        again = client.post("/kontakt/", {**contact_form(2), **second, "token": first["token"]})
        assert sent.status_code == 302 and again.status_code == 200
        assert Message.objects.count() == 1
        page = again.content.decode()
        assert "Sidan hann bli för gammal" in page and "Har du lediga tider" in page
        # The page carries a new token; with it (and new work) the message goes.
        renewed = contact_page_fields(page)
        traveller.shift(dt.timedelta(seconds=10))
        assert client.post("/kontakt/", {**contact_form(2), **renewed}).status_code == 302
    assert Message.objects.count() == 2


def test_14_a_contact_page_open_for_three_hours_needs_a_new_token(client):
    with time_machine.travel(NOW, tick=False) as traveller:
        fields = _contact_page(client)
        traveller.shift(dt.timedelta(hours=3))
        response = client.post("/kontakt/", {**contact_form(1), **fields})
    assert response.status_code == 200 and not Message.objects.exists()
    assert "Sidan hann bli för gammal" in response.content.decode()


def test_14_the_proof_of_work_asks_for_a_hundred_thousand_tries_at_most(client):
    html = client.get("/kontakt/").content.decode()
    challenge = json.loads(html_lib.unescape(re.search(r'data-challenge="([^"]+)"', html)[1]))
    assert challenge["maxNumber"] >= 100_000
