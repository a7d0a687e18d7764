"""Newsletter sign-up by double opt-in, and unsubscribing by link, one-click or privacy center."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail

from consonance.audit.models import Event
from consonance.audit.services import SYSTEM
from consonance.consent.models import ConsentRecord, ConsentText
from consonance.consent.texts import NEWSLETTER, consent_text
from consonance.newsletter.models import Subscription
from consonance.newsletter.selectors import newsletter_recipients
from consonance.newsletter.tokens import unsubscribe_token
from consonance.people.models import Person
from consonance.rights.services import objection_record
from tests.factories import link_in, subscriber

pytestmark = pytest.mark.django_db
EMAIL = "vera.ek@example.se"
FORM = {"first_name": "Vera", "last_name": "Ek", "email": EMAIL, "consent": "on"}


def _sign_up(client, django_capture_on_commit_callbacks, data=None) -> str:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/nyhetsbrev/", data or FORM)
    assert response.status_code == 200
    assert "Titta i din inkorg" in response.content.decode()
    return link_in(mail.outbox[-1].body, "/nyhetsbrev/bekrafta/")


def test_signing_up_stores_nothing_until_the_emailed_link_is_confirmed_with_the_button(
    client, django_capture_on_commit_callbacks
):
    page = client.get("/nyhetsbrev/").content.decode()
    shown = consent_text(NEWSLETTER, "sv")
    assert shown.text in page
    link = _sign_up(client, django_capture_on_commit_callbacks)
    assert mail.outbox[-1].to == [EMAIL]
    assert EMAIL not in link and "Vera" not in link  # the sign-up is sealed, not readable
    assert not Person.objects.filter(email=EMAIL).exists()  # unconfirmed: nothing kept

    response = client.get(link)  # what a mail scanner does
    assert response.status_code == 200 and '<form method="post"' in response.content.decode()
    assert not Person.objects.filter(email=EMAIL).exists()

    response = client.post(link)
    assert response.status_code == 200 and "Tack, nu är du med!" in response.content.decode()
    person = Person.objects.get(email=EMAIL)
    assert (person.first_name, person.last_name) == ("Vera", "Ek")
    subscription = Subscription.objects.get(person=person)
    assert subscription.confirmed_at is not None and subscription.unsubscribed_at is None
    assert list(newsletter_recipients()) == [person]
    record = ConsentRecord.objects.get(person=person, purpose=NEWSLETTER)
    assert record.action == "given" and record.method == "double_opt_in"
    assert record.text.text_hash == shown.text_hash and record.text.text == shown.text
    assert Event.objects.filter(action="consent.given", subject_id=person.pk).exists()
    assert Event.objects.filter(action="newsletter.subscribed", subject_id=person.pk).exists()


def test_an_expired_confirmation_link_is_refused_and_stores_nothing(
    client, django_capture_on_commit_callbacks
):
    start = dt.datetime(2026, 5, 4, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        link = _sign_up(client, django_capture_on_commit_callbacks)
    with time_machine.travel(start + dt.timedelta(hours=47), tick=False):
        assert client.get(link).status_code == 200
    with time_machine.travel(start + dt.timedelta(hours=49), tick=False):
        response = client.post(link)
    assert response.status_code == 410
    assert "Länken har gått ut" in response.content.decode()
    assert not Person.objects.filter(email=EMAIL).exists()
    assert not ConsentRecord.objects.exists()


def test_a_tampered_link_is_a_404_not_an_error(client, django_capture_on_commit_callbacks):
    link = _sign_up(client, django_capture_on_commit_callbacks)
    token = link.rstrip("/").rsplit("/", 1)[1]
    bad = link.replace(token, token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB"))
    assert client.post(bad).status_code == 404
    assert client.get("/nyhetsbrev/bekrafta/%ZZ/").status_code == 404
    assert not Subscription.objects.exists()


def test_the_form_reports_what_is_missing_and_keeps_what_was_typed(client):
    response = client.post("/nyhetsbrev/", {**FORM, "consent": "", "email": "not-an-address"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Kryssa i rutan" in page and 'value="Vera"' in page
    assert not mail.outbox


def test_known_and_unknown_addresses_get_the_same_answer(
    client, django_capture_on_commit_callbacks
):
    subscriber(EMAIL)
    strip = lambda r: re.sub(r'value="[^"]{20,}"', "", r.content.decode())  # noqa: E731
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post("/nyhetsbrev/", FORM)
        unknown = client.post("/nyhetsbrev/", {**FORM, "email": "new@example.se"})
    assert known.status_code == unknown.status_code == 200
    assert strip(known) == strip(unknown)


def test_the_english_page_signs_up_in_english(client, django_capture_on_commit_callbacks):
    page = client.get("/en/newsletter/").content.decode()
    assert consent_text(NEWSLETTER, "en").text in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/en/newsletter/", {**FORM, "email": "eng@example.com"})
    message = mail.outbox[-1]
    assert "/en/newsletter/confirm/" in message.body
    client.post(link_in(message.body, "/en/newsletter/confirm/"))
    person = Person.objects.get(email="eng@example.com")
    assert person.language == "en"
    assert ConsentText.objects.get(consentrecord__person=person).language == "en"


def test_a_link_scanner_opening_the_unsubscribe_link_changes_nothing(client):
    person = subscriber(EMAIL)
    url = f"/nyhetsbrev/avregistrera/{unsubscribe_token(person.pk)}/"
    response = client.get(url)
    assert response.status_code == 200 and "Avsluta prenumerationen" in response.content.decode()
    assert list(newsletter_recipients()) == [person]


def test_one_click_unsubscribe_is_a_cookieless_post_answered_200_at_once(client):
    person = subscriber(EMAIL)
    url = f"/nyhetsbrev/avregistrera/{unsubscribe_token(person.pk)}/"
    client.cookies.clear()
    response = client.post(
        url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert not response.cookies  # no session, no CSRF cookie, no further step
    assert "<form" not in response.content.decode()
    assert list(newsletter_recipients()) == []
    assert Subscription.objects.get(person=person).unsubscribed_at is not None
    withdrawal = ConsentRecord.objects.get(person=person, action="withdrawn")
    assert withdrawal.method == "one_click" and withdrawal.purpose == NEWSLETTER
    assert ConsentRecord.objects.get(person=person, action="given").ended_at is not None
    # Repeating it (mail clients retry) is harmless.
    again = client.post(
        url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert again.status_code == 200


def test_the_button_on_the_unsubscribe_page_unsubscribes(client):
    person = subscriber(EMAIL)
    response = client.post(f"/nyhetsbrev/avregistrera/{unsubscribe_token(person.pk)}/")
    assert response.status_code == 200 and "Du är avregistrerad" in response.content.decode()
    assert ConsentRecord.objects.get(person=person, action="withdrawn").method == "unsubscribe_link"


def test_a_forged_unsubscribe_token_is_refused(client):
    person = subscriber(EMAIL)
    forged = unsubscribe_token(person.pk).rsplit(":", 1)[0] + ":forged"
    assert client.post(f"/nyhetsbrev/avregistrera/{forged}/").status_code == 404
    assert list(newsletter_recipients()) == [person]


def test_an_objection_unsubscribes_and_only_a_new_confirmed_consent_subscribes_again(
    client, django_capture_on_commit_callbacks
):
    person = subscriber(EMAIL)
    objection_record(person=person, kind="direct_marketing", actor=SYSTEM)
    assert list(newsletter_recipients()) == []
    assert ConsentRecord.objects.get(person=person, action="withdrawn").method == "objection"
    link = _sign_up(client, django_capture_on_commit_callbacks)
    assert list(newsletter_recipients()) == []  # a sign-up alone is not yet a consent
    client.post(link)
    assert list(newsletter_recipients()) == [person]
