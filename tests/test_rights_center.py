"""The privacy center: identity check by e-mailed link, and self-service rights over HTTP."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile

import pytest
import time_machine
from django.core import mail

from consonance.audit.models import Event
from consonance.audit.services import SYSTEM
from consonance.bookkeeping.models import Voucher
from consonance.mail.outbox import mail_is_suppressed, mail_queue
from consonance.newsletter.models import Subscription
from consonance.newsletter.selectors import newsletter_recipients
from consonance.newsletter.services import SubscriptionRefused, subscription_create
from consonance.people.models import Person
from consonance.rights.models import Request
from consonance.rights.selectors import person_is_restricted
from consonance.rights.tokens import link_token
from tests.factories import EMAIL, link_from_mail, populated_person, sign_in

pytestmark = pytest.mark.django_db(transaction=True)
START = "/mina-uppgifter/"


def test_the_answer_is_the_same_for_known_and_unknown_addresses(client):
    populated_person()
    mail.outbox.clear()
    known = client.post(START, {"email": EMAIL})
    unknown = client.post(START, {"email": "stranger@example.se"})
    assert known.status_code == unknown.status_code == 200
    pages = lambda r: [t.name for t in r.templates if not t.name.startswith("mail/")]  # noqa: E731
    assert pages(known) == pages(unknown) == ["rights/sent.html", "base.html"]
    strip = lambda r: re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", r.content.decode())  # noqa: E731
    assert strip(known) == strip(unknown)
    assert [m.to for m in mail.outbox] == [[EMAIL]]
    link = link_from_mail()
    assert EMAIL not in link and "klara" not in link.lower()


def test_the_link_signs_in_and_the_overview_shows_every_category(client):
    populated_person()
    sign_in(client)
    page = client.get("/mina-uppgifter/oversikt/").content.decode()
    for name in (
        "Kontaktuppgifter",
        "Faktureringsuppgifter",
        "Ordrar och betalningar",
        "Bokföring",
        "Journalanteckningar",
        "Mejlkonsultationer",
        "Meddelanden",
        "Nyhetsbrev",
        "Medlemskonto",
    ):
        assert name in page
    assert "Bokföringslagen" in page and "6.1.b" in page
    assert Request.objects.filter(kind="access", state="done").count() == 1


def test_expired_tampered_and_stale_links_are_refused(client):
    person = populated_person()
    token = link_token(person)
    signin = "/mina-uppgifter/in/"
    assert client.post(signin, {"token": f"{token}x"}).status_code == 400
    assert client.post(signin, {"token": f"{token[:-3]}abc"}).status_code == 400
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=31)):
        assert client.post(signin, {"token": token}).status_code == 400
    person.email = "new.address@example.se"
    person.save()
    assert client.post(signin, {"token": token}).status_code == 400
    assert client.get("/mina-uppgifter/oversikt/").status_code == 302


def test_the_session_is_short(client):
    populated_person()
    sign_in(client)
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=31)):
        assert client.get("/mina-uppgifter/oversikt/").status_code == 302


def test_download_is_a_zip_with_json_and_html(client):
    populated_person()
    sign_in(client)
    response = client.get("/mina-uppgifter/ladda-ner/")
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert {"data.json", "index.html"} <= set(archive.namelist())
    data = json.loads(archive.read("data.json"))
    assert data["categories"][0]["records"]["people.Person"][0]["email"] == EMAIL
    # Her journal's text comes once the coach has gone through her request (P15, 10 days).
    html = archive.read("index.html").decode()
    assert "Sover bättre." not in html and "inom 10 dagar" in html
    assert Request.objects.filter(kind="portability").count() == 1


def test_rectification_is_audited_and_a_new_address_takes_effect_by_its_link(client):
    person = populated_person()
    sign_in(client)
    response = client.post(
        "/mina-uppgifter/ratta/",
        {"first_name": "Klara", "last_name": "Ekström", "email": "klara.ekstrom@example.se"},
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.last_name, person.email) == ("Ekström", EMAIL)  # the address waits
    event = Event.objects.filter(action="person.updated").latest("seq")
    assert json.loads(event.detail)["fields"] == ["last_name"]
    assert "Ekström" not in event.detail
    assert client.get("/mina-uppgifter/oversikt/").status_code == 200
    assert Request.objects.filter(kind="rectification", state="done").exists()

    confirm = mail.outbox[-1]
    assert confirm.to == ["klara.ekstrom@example.se"]
    path = re.search(r"https://consonance.test(/mina-uppgifter/ratta/adress/\S+/)", confirm.body)[1]
    assert client.get(path).status_code == 200
    person.refresh_from_db()
    assert person.email == EMAIL  # never changed by a GET
    assert client.post(path).status_code == 200
    person.refresh_from_db()
    assert person.email == "klara.ekstrom@example.se"
    event = Event.objects.filter(action="person.updated").latest("seq")
    assert json.loads(event.detail)["fields"] == ["email"]
    assert client.post(path).status_code == 400  # spent: her address changed


def test_withdrawing_the_newsletter_consent(client):
    person = populated_person()
    sign_in(client)
    client.post("/mina-uppgifter/samtycke/nyhetsbrev/")
    assert Subscription.objects.get(person=person).unsubscribed_at is not None
    assert person not in newsletter_recipients()


def test_restriction_excludes_from_newsletter_and_suppresses_mail_until_lifted(client):
    person = populated_person()
    assert person in newsletter_recipients()
    sign_in(client)
    client.post("/mina-uppgifter/begransa/", {"reason": "accuracy"})
    assert person_is_restricted(person.pk)
    assert person not in newsletter_recipients()
    assert mail_is_suppressed(EMAIL)
    assert mail_queue(to=EMAIL, template="rights_link", context={"url": "x", "minutes": 1}) is None
    # Mail about her request itself still reaches her: the sign-in link.
    mail.outbox.clear()
    client.post(START, {"email": EMAIL})
    assert [m.to for m in mail.outbox] == [[EMAIL]]
    client.post("/mina-uppgifter/begransa/hav/")
    assert not person_is_restricted(person.pk)
    assert not mail_is_suppressed(EMAIL)
    assert person in newsletter_recipients()


def test_objection_unsubscribes_and_blocks_resubscription_without_new_consent(client):
    person = populated_person()
    sign_in(client)
    client.post("/mina-uppgifter/invandning/")
    assert Subscription.objects.get(person=person).unsubscribed_at is not None
    assert person not in newsletter_recipients()
    before = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    with pytest.raises(SubscriptionRefused):
        subscription_create(person=person, consent_given_at=before, actor=SYSTEM)
    assert Subscription.objects.get(person=person).unsubscribed_at is not None
    subscription_create(
        person=person, consent_given_at=dt.datetime.now(dt.UTC), actor=SYSTEM, confirmed=True
    )
    assert person in newsletter_recipients()


def test_journal_request_goes_to_the_coach_with_ten_days(client):
    person = populated_person()
    sign_in(client)
    client.post("/mina-uppgifter/journal/", {"kind": "journal_deletion"})
    request = Request.objects.get(kind="journal_deletion")
    assert request.state == "open" and request.person == person
    assert request.due_at - request.received_at == dt.timedelta(days=10)


def test_self_service_erasure_over_http(client, django_capture_on_commit_callbacks):
    person = populated_person()
    voucher = Voucher.objects.get(person=person)
    sign_in(client)
    assert client.post("/mina-uppgifter/radera/", {}).status_code == 200  # not confirmed
    assert Person.objects.filter(pk=person.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/mina-uppgifter/radera/", {"confirm": "on"})
    assert response.status_code == 302 and "/kvitto/" in response["Location"]
    receipt_page = client.get(response["Location"]).content.decode()
    assert "Bokföringslagen" in receipt_page and EMAIL not in receipt_page
    assert not Person.objects.filter(pk=person.pk).exists()
    voucher.refresh_from_db()
    assert voucher.person_id is None
    assert client.get("/mina-uppgifter/oversikt/").status_code == 302
    from django.core.management import call_command

    call_command("rights", "verify-erasure", "--email", EMAIL, "--deep")
    # Nothing more is ever sent to the address, and no new link can be had.
    mail.outbox.clear()
    client.post(START, {"email": EMAIL})
    assert mail.outbox == []
    assert mail_is_suppressed(EMAIL)


def test_pages_need_the_identity_check(client):
    for path in ("oversikt/", "ladda-ner/", "ratta/", "begransa/", "journal/", "radera/"):
        assert client.get(START + path).status_code == 302


def test_the_privacy_center_speaks_english(client):
    populated_person()
    page = client.get("/en/my-data/").content.decode()
    assert "My data" in page and "Send the link" in page
    client.post("/en/my-data/", {"email": EMAIL})
    assert "/en/my-data/in/" in mail.outbox[-1].body and "Hello!" in mail.outbox[-1].body
