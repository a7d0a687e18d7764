"""'Mina uppgifter' counts things, not rows, names categories truthfully, and her export reads
like a document, without the links that act on her behalf (issue 11)."""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import re
import zipfile
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from consonance.accounts.models import PrivateVault
from consonance.booking import emails as booking_emails
from consonance.booking.tokens import booking_token
from consonance.journal.models import Note
from consonance.people.services import person_get_or_create
from consonance.privacy.policy import get_policy
from consonance.privacy.registry import models_holding, registry, stores_holding
from tests.factories import (
    EMAIL,
    confirmed_booking,
    encrypted,
    link_from_mail,
    make_practice,
    paid_order,
    populated_person,
    sign_in,
)

pytestmark = pytest.mark.django_db(transaction=True)
OVERVIEW = "/mina-uppgifter/oversikt/"
MONTHS = "januari|februari|mars|april|maj|juni|juli|augusti|september|oktober|november|december"


def _download(client, path: str = "/mina-uppgifter/ladda-ner/") -> tuple[dict, str, str]:
    response = client.get(path)
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    data_text = archive.read("data.json").decode()
    return json.loads(data_text), archive.read("index.html").decode(), data_text


def _visible(html: str) -> str:
    """The text a reader sees: no style, no tags."""
    html = re.sub(r"<style>.*?</style>", "", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def test_the_overview_counts_what_she_recognises_not_rows(client):
    person = populated_person()  # one order: the order row, its billing details, its payment
    sign_in(client)
    page = client.get(OVERVIEW).content.decode()
    assert "1 beställning · 1 betalning" in page
    assert "uppgifter till 1 beställning" in page
    assert not re.search(r'<h2>[^<]*<span class="tag">\d+</span>', page)  # no row counts
    assert not re.search(r"\b1 (beställningar|betalningar|anteckningar|meddelanden)\b", page)

    # A second paid order, and a correction of her journal note (a new version of one note).
    paid_order(person=person, payer_name="Klara Ek")
    first = Note.objects.get(person=person)
    Note.objects.filter(pk=first.pk).update(superseded_at=timezone.now())
    Note.objects.create(
        person=person,
        root=first,
        version=2,
        body_ciphertext=encrypted(person, Note, "Sover mycket bättre."),
    )
    page = client.get(OVERVIEW).content.decode()
    assert "2 beställningar · 2 betalningar" in page
    assert "1 anteckning" in page and "2 anteckningar" not in page
    assert "1 meddelande" in page  # her contact-form message


def test_e_mails_sent_to_her_have_their_own_category(client):
    populated_person()
    sign_in(client)  # the sign-in link is the second e-mail the practice sent her
    page = client.get(OVERVIEW).content.decode()
    assert "E-post från mig" in page and "2 e-postmeddelanden till dig" in page
    data, _html, _text = _download(client)
    categories = {c["id"]: c for c in data["categories"]}
    assert list(categories["messages"]["records"]) == ["contact.Message"]
    assert list(categories["sent_email"]["records"]) == ["mail.OutboxMessage"]
    assert categories["sent_email"]["name"] == "E-post från mig"
    assert "jag skickar till dig" in categories["sent_email"]["description"]
    assert "kontaktformuläret" in categories["messages"]["description"]


def test_every_category_is_counted_and_every_declaration_can_be_read():
    for category in get_policy().categories:
        holders = [d for d, _holding in models_holding(category)] + stores_holding(category)
        assert any(d.things for d in holders), category
    for declaration in registry():
        assert declaration.readable is not None and declaration.readable.labels, declaration.model


def test_the_export_reads_as_a_document_and_carries_no_links_that_act_for_her(client):
    person = populated_person()
    video, _email_service = make_practice()
    starts = timezone.now().replace(microsecond=0) + dt.timedelta(days=5)
    booking = confirmed_booking(video, starts, email=EMAIL, first="Klara", last="Ek")
    booking_emails.confirmed(booking)  # with cancel and move links and a calendar file
    vault_blob = base64.b64encode(b"x" * 90).decode()
    PrivateVault.objects.create(
        person=person,
        salt=base64.b64encode(b"s" * 16).decode(),
        iterations=600_000,
        wrapped_key=vault_blob,
        recovery_wrapped_key=vault_blob,
        ciphertext=vault_blob,
    )
    sign_in(client)
    signin_token = link_from_mail().partition("#")[2]
    data, html, data_text = _download(client)
    text = _visible(html)

    # A document: the practice, the date, what it is, her rights, how long, whom to ask.
    assert "<title>Dina uppgifter hos Consonance Communication, " in html
    assert re.search(rf"gjort \d{{1,2}} ({MONTHS}) \d{{4}} kl\. \d\d:\d\d\.", text)
    for words in ("Om det här utdraget", "Dina rättigheter", "Hur länge uppgifterna sparas"):
        assert words in text
    assert "Sparas 2 år efter att ordern lades" in text and "Integritetsskyddsmyndigheten" in text
    assert "contact@consonancecommunication.com" in text
    # Her values as people write them, with labels in Swedish.
    assert "900,00 kr" in text and "Beställd" in text and "Betalning mottagen" in text
    assert re.search(rf"\d{{1,2}} ({MONTHS}) \d{{4}} kl\. \d\d:\d\d", text)
    # Her journal note's text comes once the coach has gone through her request (P15).
    assert "Sover bättre." not in text and "lämnas ut när jag har gått igenom" in text
    assert "krypterat, kan bara läsas i din webbläsare" in text and vault_blob not in html
    assert "konsultation.ics" in text  # an attachment is named, not dumped
    # Nothing for machines: no raw timestamps, no base64, no field names, no codes.
    assert not re.search(r"\d\d:\d\d:\d\d\.\d+|\d{4}-\d\d-\d\dT", text)
    assert not re.search(r"[A-Za-z0-9+/]{40,}", text)
    for raw in ("created_at", "payer_email", "body_text", "ciphertext", "_retention", "nonce"):
        assert raw not in text
    for english in ("Amount", "Created", "Subject", "Status", "None", "True", "False"):
        assert not re.search(rf"\b{english}\b", text), english

    # No signed link, in either file: capabilities, not data. The e-mails keep their text.
    for token in (
        signin_token,
        booking_token(booking, "cancel"),
        booking_token(booking, "move"),
        booking_token(booking, "status"),
    ):
        assert token not in html and token not in data_text
    assert "/avboka/" not in data_text and "/flytta/" not in data_text
    [sent] = [c for c in data["categories"] if c["id"] == "sent_email"]
    bodies = [r["body_text"] for r in sent["records"]["mail.OutboxMessage"]]
    assert any("[länk borttagen]" in body for body in bodies)
    for row in sent["records"]["mail.OutboxMessage"]:
        for attachment in row["attachments"]:
            content = base64.b64decode(attachment["content"]).decode()
            assert "BEGIN:VCALENDAR" in content and "/avboka/" not in content

    # data.json stays machine-readable and complete: its keys, her vault as it is (hers to open).
    assert {"format", "generated_at", "categories", "other_records", "journal_notes"} <= set(data)
    for category in data["categories"]:
        assert {"id", "count", "things", "records", "retention", "retention_end"} <= set(category)
    [account] = [c for c in data["categories"] if c["id"] == "member_account"]
    assert account["records"]["accounts.PrivateVault"][0]["ciphertext"] == vault_blob


def test_the_english_export_reads_in_english(client):
    populated_person()
    sign_in(client)
    _data, html, _text = _download(client, "/en/my-data/download/")
    text = _visible(html)
    assert '<html lang="en">' in html and "Your data with Consonance Communication" in html
    assert "1 order · 1 payment" in text and "SEK 900.00" in text
    assert re.search(r"\d{1,2} [A-Z][a-z]+ \d{4}, \d\d:\d\d", text)
    for swedish in ("Belopp", "Beställd", "Betalare", " kl. "):
        assert swedish not in text, swedish


def _erase(client, django_capture_on_commit_callbacks) -> tuple[str, str]:
    sign_in(client)
    erase_page = client.get("/mina-uppgifter/radera/").content.decode()
    assert "inte heller säkerhetskopior" not in erase_page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/mina-uppgifter/radera/", {"confirm": "on"})
    assert response.status_code == 302
    page = _visible(client.get(response["Location"]).content.decode())
    [receipt_mail] = [m for m in mail.outbox if "radering" in m.subject.lower()]
    return re.sub(r"\s+", " ", page), re.sub(r"\s+", " ", receipt_mail.body)


def test_the_receipt_and_its_email_say_the_same_about_the_key_and_backups(
    client, django_capture_on_commit_callbacks
):
    populated_person()
    call_command("backup", stdout=StringIO())  # a backup holds her; her key is in its key backup
    page, body = _erase(client, django_capture_on_commit_callbacks)
    for sentence in (
        "Din krypteringsnyckel är förstörd. Det som var krypterat med den (ditt namn, din "
        "e-postadress och ditt telefonnummer, anteckningar och meddelanden) kan inte längre "
        "läsas här.",
        "innehåller fortfarande dina uppgifter, skyddade med säkerhetskopiornas egen nyckel",
        "Nyckeln finns inte i säkerhetskopiorna av uppgifterna, bara i separata "
        "nyckelsäkerhetskopior som sparas i högst 3 dagar.",
        "Om en sådan återställs raderas du igen automatiskt, innan webbplatsen öppnar.",
    ):
        assert sentence in page and sentence in body
    assert "inte heller" not in page + body
    # What went is counted as she would count it, and what stays is dated, alike on both.
    for things in (
        "1 beställning, 1 betalning",
        "1 meddelande",
        "1 verifikation",
        "1 januari 2034",
        # Her name on the voucher: under the books' legal-hold key, destroyed when the hold ends.
        "Ditt namn i bokföringen (verifikationer och kvitton, som lagen kräver att jag sparar) "
        "är krypterat med bokföringens egen nyckel, som förstörs 31 december 2033;",
    ):
        assert things in page and things in body
    assert "2034-01-01" not in page + body


def test_without_a_backup_both_say_so(client, django_capture_on_commit_callbacks):
    # Every person has a key now: her address and name are encrypted under it (issue 19).
    person_get_or_create(email=EMAIL, first_name="Klara", last_name="Ek", actor="system")
    page, body = _erase(client, django_capture_on_commit_callbacks)
    for sentence in (
        "Din krypteringsnyckel är förstörd.",
        "Ingen av webbplatsens säkerhetskopior innehåller dina uppgifter.",
    ):
        assert sentence in page and sentence in body
