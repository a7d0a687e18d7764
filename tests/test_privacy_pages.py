"""The public policy pages and the register of processing come from the policy file."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_the_swedish_policy_page_states_every_promise(client):
    response = client.get("/integritet/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="sv">' in html
    for expected in [
        "Sparas 2 år efter vår senaste kontakt",  # P10
        "48 timmar efter bokningen; sedan raderas allt utom förnamn, efternamn och e-postadress",  # P8
        "Sparas 7 år räknat från utgången av det kalenderår då räkenskapsåret avslutades",  # P14
        "Raderas direkt efter mitt svar",  # P17
        "inom 10 dagar",  # P15
        "aldrig kortets säkerhetskod (CVC)",  # P6
        "Stripe Payments Europe Ltd.",
        "Fortnox AB",
        "Zoom Communications, Inc.",  # P18-P19
        "https://www.imy.se/",  # P23
        "inga automatiserade beslut",  # P30
        "contact@consonancecommunication.com",  # P31
        "ingen cookie-banner",  # P21
    ]:
        assert expected in html, expected


def test_the_english_policy_page_is_at_en_privacy(client):
    response = client.get("/en/privacy/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert (
        "Kept 2 years after our latest contact; then the data is deleted, unless otherwise agreed."
        in html
    )
    assert "within 10 days" in html
    assert "GDPR Art. 9.2.a" in html or "Art. 9.2.a" in html


def test_changing_a_retention_period_in_the_policy_file_changes_both_pages(client, policy_copy):
    text = policy_copy.read_text(encoding="utf-8").replace(
        'id = "contact-details-2y"\npromise = "P10"\ncategory = "contact_details"\n'
        'after = "last_contact"\nduration = "2 years"',
        'id = "contact-details-2y"\npromise = "P10"\ncategory = "contact_details"\n'
        'after = "last_contact"\nduration = "18 months"',
    )
    policy_copy.write_text(text, encoding="utf-8")
    sv = client.get("/integritet/").content.decode()
    en = client.get("/en/privacy/").content.decode()
    assert "Sparas 18 månader efter vår senaste kontakt" in sv
    assert "Sparas 2 år efter vår senaste kontakt" not in sv
    assert "Kept 18 months after our latest contact" in en
    assert "Kept 2 years after our latest contact" not in en


def test_changing_a_recipient_changes_the_page(client, policy_copy):
    text = policy_copy.read_text(encoding="utf-8").replace("Fortnox AB", "Visma Spcs AB")
    policy_copy.write_text(text, encoding="utf-8")
    html = client.get("/integritet/").content.decode()
    assert "Visma Spcs AB" in html and "Fortnox AB" not in html


def test_the_register_of_processing_lists_each_recipient_with_role_agreement_and_transfer(client):
    html = client.get("/integritet/register/").content.decode()
    assert "Registerförteckning" in html
    assert "PayPal (Europe)" in html and "Personuppgiftsansvarig" in html
    assert "PUB-avtal" in html and "Ja: EU:s standardavtalsklausuler" in html
    en = client.get("/en/privacy/register/").content.decode()
    assert "Register of processing" in en and "Data processing agreement" in en


def test_the_register_downloads_as_json_and_csv(client):
    data = client.get("/integritet/register.json").json()
    categories = {e["category"] for e in data["entries"]}
    assert {"journal", "bookkeeping", "orders", "billing_details"} <= categories
    journal = next(e for e in data["entries"] if e["category"] == "journal")
    assert "GDPR art. 9.2.a" in journal["legal_bases"]
    assert journal["stored_in"] == ["journal.Note", "journal.NoteAttachment"]
    rows = list(
        csv.DictReader(io.StringIO(client.get("/integritet/register.csv").content.decode()))
    )
    assert len(rows) == len(data["entries"])
    assert client.get("/integritet/register.xml").status_code == 404


def test_policy_register_command_prints_json_and_csv(capsys):
    call_command("policy", "register", "--format", "json")
    data = json.loads(capsys.readouterr().out)
    assert data["controller"]["email"] == "contact@consonancecommunication.com"
    stripe = next(r for e in data["entries"] for r in e["recipients"] if r["id"] == "stripe")
    assert stripe["transfer_outside_eea"] is True and stripe["role"] == "controller"
    call_command("policy", "register", "--format", "csv", "--language", "en")
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    orders = next(r for r in rows if r["category"] == "orders")
    assert "Kept 2 years after the order was placed" in orders["retention"]
