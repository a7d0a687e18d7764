"""The public contact form (issue 9, P2, P9, P17, P31): stored encrypted, protected against a
scripted flood (honeypot, minimum fill time, proof of work, rate limits) without blocking a person,
and never telling whether an address is known."""

from __future__ import annotations

import datetime as dt
import logging
import re

import pytest
import time_machine
from django.core import mail

from consonance.audit.models import Event
from consonance.contact.models import Attempt, Message, SpentChallenge
from consonance.contact.protection import protection_purge
from consonance.people.keys import person_decrypt
from consonance.people.models import Person
from tests.factories import NOW, contact_form, contact_page_fields

pytestmark = pytest.mark.django_db(transaction=True)


def _send(client, n=1, *, url="/kontakt/", wait=10, ip="192.0.2.10", meta=None, **extra):
    """What a person does: open the page, write for `wait` seconds, send."""
    with time_machine.travel(NOW, tick=False) as traveller:
        page = client.get(url)
        assert page.status_code == 200
        fields = contact_page_fields(page.content.decode())
        traveller.shift(dt.timedelta(seconds=wait))
        data = {**contact_form(n), **fields, **extra}
        return client.post(url, data, REMOTE_ADDR=ip, **(meta or {}))


def test_the_page_warns_about_health_details_and_states_the_reply_consent(client):
    html = client.get("/kontakt/").content.decode()
    assert "Skriv inga hälsouppgifter här" in html
    assert "videokonsultation" in html
    assert "samtycker du till att jag svarar dig via e-post" in html
    # The proof of work is solved by our own script; nothing from another site.
    assert '<script src="/static/contact/pow.js"' in html
    assert "https://" not in html.split("<main", 1)[1].split("</main>", 1)[0].replace(
        "https://www.consonancecommunication.com", ""
    )


def test_the_csp_allows_no_inline_script_on_the_contact_page(client):
    policy = client.get("/kontakt/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy


def test_english_page_is_at_en_contact(client):
    page = client.get("/en/contact/")
    assert page.status_code == 200
    assert "Write to me" in page.content.decode()
    response = _send(client, url="/en/contact/")
    assert response.status_code == 302
    assert response["Location"] == "/en/contact/thanks/"
    assert Message.objects.get().language == "en"


def test_a_person_writes_and_the_message_is_stored_encrypted(client):
    response = _send(client)
    assert response.status_code == 302
    assert response["Location"] == "/kontakt/tack/"
    message = Message.objects.get()
    person = message.person
    assert (person.email, person.first_name, person.last_name) == (
        "karin1@example.se",
        "Karin",
        "Sjöberg",
    )
    assert b"lediga tider" not in bytes(message.body_ciphertext)
    body = person_decrypt(person, message.body_ciphertext, context="contact")
    assert body == "Hej! Har du lediga tider i januari? Hälsningar Karin"
    assert message.source == "form"
    event = Event.objects.get(action="contact.received")
    assert event.subject_id == person.pk
    assert "karin" not in event.detail.lower()


def test_the_coach_is_told_without_the_senders_words_or_address(client, settings):
    settings.CONSONANCE_STAFF_EMAIL = "coach@example.se"
    _send(client)
    [note] = [m for m in mail.outbox if m.to == ["coach@example.se"]]
    text = note.subject + note.body
    assert "/staff/contact/" in text
    assert "karin" not in text.lower()
    assert "lediga tider" not in text


def test_a_known_address_gets_the_same_answer_and_keeps_its_name(client):
    Person.objects.create(email="karin1@example.se", first_name="Karin", last_name="Ek")
    known = _send(client, 1)
    unknown = _send(client, 2)
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    pages = [client.get(r["Location"]).content.decode() for r in (known, unknown)]
    pages = [re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", p) for p in pages]
    assert pages[0] == pages[1]
    person = Person.objects.get(email="karin1@example.se")
    assert person.last_name == "Ek"  # a form cannot rename a known person
    message = Message.objects.get(person=person)
    assert person_decrypt(person, message.name_ciphertext, context="contact") == "Karin Sjöberg"


def test_a_filled_honeypot_looks_accepted_but_stores_nothing(client):
    response = _send(client, website="https://spam.example")
    assert response.status_code == 302
    assert response["Location"] == "/kontakt/tack/"
    assert not Message.objects.exists()
    assert not Person.objects.exists()


def test_a_form_sent_at_once_is_refused_with_the_text_kept(client):
    response = _send(client, wait=1)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Det gick lite för fort" in html
    assert "Har du lediga tider i januari?" in html
    assert not Message.objects.exists()


def test_without_a_solved_challenge_nothing_is_stored(client):
    response = _send(client, altcha="")
    assert response.status_code == 200
    assert "Kontrollen mot skräppost" in response.content.decode()
    assert not Message.objects.exists()


def test_a_forged_solution_is_refused(client):
    response = _send(client, altcha="eyJhbGdvcml0aG0iOiJTSEEtMjU2In0=")
    assert response.status_code == 200
    assert not Message.objects.exists()


def test_a_solution_is_good_for_one_message_only(client):
    with time_machine.travel(NOW, tick=False) as traveller:
        fields = contact_page_fields(client.get("/kontakt/").content.decode())
        traveller.shift(dt.timedelta(seconds=10))
        first = client.post("/kontakt/", {**contact_form(1), **fields})
        again = client.post("/kontakt/", {**contact_form(2), **fields})
    assert first.status_code == 302
    assert again.status_code == 200
    assert Message.objects.count() == 1


def test_bad_input_re_renders_with_messages(client):
    response = _send(client, email="not-an-address", message="  ")
    assert response.status_code == 200
    html = response.content.decode()
    assert "errorlist" in html
    assert not Message.objects.exists()


def test_a_scripted_flood_is_stopped_without_blocking_a_person(client):
    # A script that does the work every time, from one address, to many addresses.
    codes = [_send(client, n, ip="198.51.100.7").status_code for n in range(1, 9)]
    assert codes.count(302) == 5
    assert codes[5:] == [429, 429, 429]
    assert Message.objects.count() == 5
    # A person elsewhere is not blocked by it.
    assert _send(client, 50, ip="203.0.113.5").status_code == 302
    # The same target address from many addresses is limited too.
    codes = [_send(client, 99, ip=f"203.0.113.{i}").status_code for i in range(10, 15)]
    assert codes.count(302) == 3
    assert Message.objects.filter(person__email="karin99@example.se").count() == 3
    # The limits keep hashes only, never the addresses.
    stored = " ".join(Attempt.objects.values_list("ip_hash", "address_hash").first() or ())
    assert "198.51.100.7" not in stored and "@" not in stored


def test_a_flood_without_work_costs_nothing_to_store(client):
    for n in range(30):
        client.post("/kontakt/", contact_form(n), REMOTE_ADDR="198.51.100.8")
    assert not Message.objects.exists()
    assert not Attempt.objects.exists()


def test_no_address_or_message_text_in_the_logs(client, caplog):
    caplog.set_level(logging.DEBUG)
    _send(client)
    _send(client, 2, website="x")
    _send(client, 3, wait=0)
    logged = caplog.text.lower()
    assert "karin" not in logged
    assert "lediga tider" not in logged


def test_rate_limit_hashes_and_spent_challenges_are_purged_after_a_day(client):
    _send(client)
    # One spent challenge and one spent form token.
    assert Attempt.objects.count() == 1 and SpentChallenge.objects.count() == 2
    assert protection_purge(NOW + dt.timedelta(hours=23)) == 0
    assert protection_purge(NOW + dt.timedelta(days=3)) == 3
    assert not Attempt.objects.exists() and not SpentChallenge.objects.exists()


def test_the_policy_page_links_to_the_working_form(client):
    html = client.get("/integritet/").content.decode()
    assert '<a href="/kontakt/">kontaktformuläret</a>' in html
    assert client.get("/kontakt/").status_code == 200
    english = client.get("/en/privacy/").content.decode()
    assert '<a href="/en/contact/">the contact form</a>' in english


def test_behind_a_proxy_the_limit_counts_the_address_the_proxy_saw(client, settings):
    settings.CONSONANCE_TRUSTED_PROXIES = ["192.0.2.10"]  # the proxy: _send's REMOTE_ADDR
    codes = [
        _send(client, n, meta={"HTTP_X_FORWARDED_FOR": f"198.51.100.{n}, 203.0.113.9"}).status_code
        for n in range(1, 8)
    ]
    assert codes.count(302) == 5  # one visitor (203.0.113.9), whatever she puts before it
    other = _send(client, 60, meta={"HTTP_X_FORWARDED_FOR": "203.0.113.10"})
    assert other.status_code == 302
