"""Member accounts over HTTP: sign-in without a password, her pages, and private fields the
server stores only as ciphertext, which no staff page, audit row or log line mentions (P4)."""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import os
import re
import zipfile

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.test import Client

from consonance.accounts.models import PrivateVault
from consonance.accounts.tasks import accounts_unused_sign_ins_task
from consonance.audit.models import Event
from consonance.audit.services import SYSTEM
from consonance.people.models import MemberProfile, Person
from consonance.people.services import person_get_or_create
from tests.factories import link_in, member_code, paid_order

pytestmark = pytest.mark.django_db
EMAIL = "moa.sten@example.se"


def _request(client, capture, **extra) -> None:
    with capture(execute=True):
        response = client.post("/konto/", {"email": EMAIL, **extra})
    assert response.status_code == 302 and response["Location"] == "/konto/kod/"


def _b64(n: int) -> str:
    return base64.b64encode(os.urandom(n)).decode()


def _vault(ciphertext: str | None = None) -> dict:
    return {
        "salt": _b64(16),
        "iterations": 600000,
        "wrapped_key": _b64(60),
        "recovery_wrapped_key": _b64(60),
        "ciphertext": ciphertext if ciphertext is not None else _b64(80),
    }


@pytest.fixture
def member(client, django_capture_on_commit_callbacks):
    _request(client, django_capture_on_commit_callbacks, first_name="Moa", last_name="Sten")
    client.post("/konto/kod/", {"code": member_code(mail.outbox[-1].body)}, follow=True)
    return Person.objects.get(email=EMAIL)


def test_a_new_member_creates_her_account_with_the_emailed_code_and_the_button(
    client, django_capture_on_commit_callbacks
):
    _request(client, django_capture_on_commit_callbacks, first_name="Moa", last_name="Sten")
    message = mail.outbox[-1]
    assert message.to == [EMAIL] and message.subject == "Skapa ditt konto"
    assert "jag" in message.body.lower() or "Vänliga hälsningar" in message.body
    link = link_in(message.body, "/konto/kod/")
    assert EMAIL not in link and "?" not in link
    assert client.get(link).status_code == 200  # a scanner's GET creates nothing
    assert not Person.objects.filter(email=EMAIL).exists()
    session_before = client.cookies["sessionid"].value
    response = client.post(link, {"code": member_code(message.body)})
    assert response.status_code == 302 and response["Location"] == "/konto/"
    assert client.cookies["sessionid"].value != session_before  # a new session key at sign-in
    page = client.get("/konto/").content.decode()
    person = Person.objects.get(email=EMAIL)
    profile = MemberProfile.objects.get(person=person)
    assert "Välkommen, Moa!" in page and "Kvitton och fakturor" in page
    assert Event.objects.filter(action="account.created", subject_id=person.pk).exists()
    user = profile.user
    assert user is not None and not user.has_usable_password()
    assert not (user.is_staff or user.is_superuser) and EMAIL not in (user.email + user.username)


def test_the_code_from_the_mail_signs_in_in_the_same_browser_only(
    client, django_capture_on_commit_callbacks
):
    person, _ = person_get_or_create(email=EMAIL, first_name="Moa", last_name="Sten", actor=SYSTEM)
    _request(client, django_capture_on_commit_callbacks)
    code = member_code(mail.outbox[-1].body)
    other = Client()
    assert other.post("/konto/kod/", {"code": code}).status_code == 302
    assert "Välkommen" not in other.get("/konto/").content.decode()
    wrong = client.post("/konto/kod/", {"code": "000-000" if code != "000-000" else "111-111"})
    assert "Koden stämmer inte" in wrong.content.decode()
    response = client.post("/konto/kod/", {"code": code})
    assert response.status_code == 302
    assert "Välkommen, Moa!" in client.get("/konto/").content.decode()
    assert MemberProfile.objects.filter(person=person).exists()


def test_a_members_user_never_reaches_the_staff_pages_or_the_admin(client, member):
    assert "Välkommen, Moa!" in client.get("/konto/").content.decode()
    for url in ("/staff/", "/staff/rights/", "/staff/mail/", "/admin/"):
        response = client.get(url)
        assert response.status_code in (302, 403), url
        assert "/konto/" not in response.get("Location", "/staff/login/"), url
        assert "login" in response.get("Location", "login"), url
    assert client.post(
        "/staff/login/", {"username": member.member.user.username, "password": ""}
    ).status_code in (200, 403)
    assert "Välkommen, Moa!" in client.get("/konto/").content.decode()


def test_unknown_and_known_addresses_get_the_same_answer(
    client, django_capture_on_commit_callbacks
):
    person_get_or_create(email=EMAIL, first_name="Moa", last_name="Sten", actor=SYSTEM)
    _request(client, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        unknown = client.post("/konto/", {"email": "nobody@example.se"})
    assert unknown.status_code == 302 and unknown["Location"] == "/konto/kod/"
    assert [m.to for m in mail.outbox] == [[EMAIL]]  # no mail to an unknown address without names


def test_the_vault_stores_only_what_the_browser_sent_and_nothing_says_it_changed(
    client, member, caplog
):
    events_before = Event.objects.count()
    caplog.set_level(logging.DEBUG)
    vault = _vault()
    response = client.post(
        "/konto/privat/data/", json.dumps(vault), content_type="application/json"
    )
    assert response.status_code == 200
    stored = PrivateVault.objects.get(person=member)
    assert stored.ciphertext == vault["ciphertext"] and stored.iterations == 600000
    assert client.get("/konto/privat/data/").json() == {"vault": vault}
    client.post("/konto/privat/data/", json.dumps(_vault()), content_type="application/json")
    assert Event.objects.count() == events_before  # no audit row for the private fields
    assert not [r for r in caplog.records if "vault" in r.getMessage().lower()]
    assert not [f.name for f in PrivateVault._meta.fields if "at" in f.name.split("_")]


def test_the_vault_refuses_what_is_not_ciphertext_and_keeps_what_it_had(client, member):
    good = _vault()
    client.post("/konto/privat/data/", json.dumps(good), content_type="application/json")
    for bad in (
        {**good, "ciphertext": "inte base64 alls!"},
        {**good, "iterations": 10},
        {**good, "salt": ""},
        ["not", "an", "object"],
    ):
        response = client.post(
            "/konto/privat/data/", json.dumps(bad), content_type="application/json"
        )
        assert response.status_code == 400 and "error" in response.json()
    response = client.post("/konto/privat/data/", "{", content_type="application/json")
    assert response.status_code == 400
    assert PrivateVault.objects.get(person=member).ciphertext == good["ciphertext"]


def test_the_vault_is_hers_alone(client, member):
    client.post("/konto/logga-ut/")
    response = client.get("/konto/privat/data/", headers={"Accept": "application/json"})
    assert response.status_code == 403
    assert client.get("/konto/privat/").status_code == 302


def test_no_staff_page_shows_private_fields_or_that_they_changed(client, member, staff_client):
    marker = base64.b64encode(b"private-field-marker-0123456789abcdef").decode()
    client.post("/konto/privat/data/", json.dumps(_vault(marker)), content_type="application/json")
    for url in ("/staff/", "/staff/rights/", "/staff/newsletter/", "/staff/mail/",
                "/staff/privacy/", "/admin/"):  # fmt: skip
        response = staff_client.get(url, follow=True)
        assert response.status_code == 200, url
        page = response.content.decode()
        assert marker not in page and "PrivateVault" not in page and "privat" not in page.lower(), (
            url
        )
    assert not Event.objects.filter(detail__contains="vault").exists()


def test_she_deletes_her_account_herself_and_the_private_fields_go_with_it(client, member):
    client.post("/konto/privat/data/", json.dumps(_vault()), content_type="application/json")
    assert client.get("/konto/radera/").status_code == 200
    response = client.post("/konto/radera/")
    assert response.status_code == 302
    assert not MemberProfile.objects.filter(person=member).exists()
    assert not PrivateVault.objects.filter(person=member).exists()
    assert Event.objects.filter(action="account.deleted", subject_id=member.pk).exists()
    assert client.get("/konto/").status_code == 200  # signed out: the sign-in page
    assert "Välkommen" not in client.get("/konto/").content.decode()


def test_an_expired_or_guessed_code_is_refused(client, django_capture_on_commit_callbacks):
    _request(client, django_capture_on_commit_callbacks, first_name="Moa", last_name="Sten")
    code = member_code(mail.outbox[-1].body)
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=21)):
        assert client.post("/konto/kod/", {"code": code})["Location"] == "/konto/"
    _request(client, django_capture_on_commit_callbacks, first_name="Moa", last_name="Sten")
    code = member_code(mail.outbox[-1].body)
    wrong = "000-000" if code != "000-000" else "111-111"
    for _attempt in range(5):  # five guesses, and the code is spent
        client.post("/konto/kod/", {"code": wrong})
    assert client.post("/konto/kod/", {"code": code})["Location"] == "/konto/"
    assert "Välkommen" not in client.get("/konto/").content.decode()
    assert not Person.objects.filter(email=EMAIL).exists()


def test_her_receipts_are_listed_and_open_from_her_account(client, member):
    order = paid_order(method="card", person=member, payer_name="Moa Sten")
    other = paid_order(method="card", payer_name="Someone Else")  # not hers: never listed
    page = client.get("/konto/").content.decode()
    links = re.findall(r'href="https?://[^/"]+(/dokument/[^/"]+/)"', page)
    assert len(links) == 1, page
    receipt = client.get(links[0])
    assert receipt.status_code == 200
    text = receipt.content.decode()
    assert "Kvitto" in text and order.reference in text and other.reference not in text


def test_a_staff_export_shows_that_private_fields_exist_never_their_bytes(client, member, tmp_path):
    vault = _vault()
    response = client.post(
        "/konto/privat/data/", json.dumps(vault), content_type="application/json"
    )
    assert response.status_code in (200, 204)
    out = tmp_path / "staff.zip"
    call_command("rights", "export", "--email", EMAIL, "--out", str(out))
    with zipfile.ZipFile(out) as archive:
        staff_copy = archive.read("data.json").decode()
    assert vault["ciphertext"] not in staff_copy and vault["wrapped_key"] not in staff_copy
    assert "encrypted in her browser" in staff_copy


def test_the_english_sign_in_speaks_english_and_mails_the_code_in_english(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/en/account/", {"email": EMAIL, "first_name": "Moa", "last_name": "Sten"}
        )
    assert response.status_code == 302 and response["Location"] == "/en/account/code/"
    page = client.get("/en/account/code/").content.decode()
    assert "Check your inbox" in page and "The code from the e-mail" in page
    message = mail.outbox[-1]
    assert message.subject == "Create your account" and "Your code to create" in message.body
    client.post("/en/account/code/", {"code": member_code(message.body)}, follow=True)
    assert MemberProfile.objects.filter(person__email=EMAIL, person__language="en").exists()


def test_sign_in_users_never_confirmed_are_removed_after_a_day(
    client, django_capture_on_commit_callbacks
):
    _request(client, django_capture_on_commit_callbacks, first_name="Moa", last_name="Sten")
    stranded = get_user_model().objects.get(username__startswith="member-")
    assert not stranded.has_usable_password() and not stranded.is_staff
    assert accounts_unused_sign_ins_task.call() == 0  # still within its day
    staff = get_user_model().objects.create_user("coach-2", password="x-long-password-1")
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=2)):
        assert accounts_unused_sign_ins_task.call() == 1
    assert not get_user_model().objects.filter(pk=stranded.pk).exists()
    assert get_user_model().objects.filter(pk=staff.pk).exists()
