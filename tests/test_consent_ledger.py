"""The consent ledger: every consent and withdrawal with the exact text, shown to the person,
in her export, and a changed text that matters asks again."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core import mail
from django.core.management import call_command

from consonance.audit.services import SYSTEM
from consonance.consent import texts
from consonance.consent.models import ConsentRecord
from consonance.consent.texts import NEWSLETTER, consent_text
from consonance.newsletter.selectors import newsletter_recipients, subscriber_counts
from consonance.rights.export import export_zip
from consonance.rights.services import consent_withdraw
from consonance.rights.tokens import link_token
from tests.factories import link_in, subscriber

pytestmark = pytest.mark.django_db


def test_withdrawing_in_the_privacy_center_is_recorded_like_the_consent(client):
    person = subscriber("anna@example.se")
    assert consent_withdraw(person=person, consent=NEWSLETTER, actor=SYSTEM)
    given, withdrawn = ConsentRecord.objects.filter(person=person).order_by("pk")
    assert (given.action, withdrawn.action) == ("given", "withdrawn")
    assert withdrawn.method == "privacy_center" and given.ended_at == withdrawn.at
    assert list(newsletter_recipients()) == []


def test_the_ledger_is_in_her_export_with_the_text_she_was_shown():
    person = subscriber("anna@example.se")
    consent_withdraw(person=person, consent=NEWSLETTER, actor=SYSTEM)
    archive = zipfile.ZipFile(io.BytesIO(export_zip(person, language="sv")))
    names = archive.namelist()
    data = json.loads(archive.read(next(n for n in names if n.endswith(".json"))))
    text = json.dumps(data, ensure_ascii=False)
    assert "Samtycken" in text or "consents" in text
    assert '"withdrawn"' in text and '"double_opt_in"' in text


def test_a_material_change_of_the_consent_text_asks_again_before_the_newsletter_goes_out(
    monkeypatch, django_capture_on_commit_callbacks, client
):
    person = subscriber("anna@example.se")
    old_hash = ConsentRecord.objects.get(person=person).text.text_hash
    # A typo fixed without bumping the version: nothing changes for her.
    monkeypatch.setattr(texts, "_newsletter_text", lambda: "Ja, jag vill få nyhetsbrevet!")
    assert list(newsletter_recipients()) == [person]
    # A change that matters bumps the version: she is asked again, and skipped until she answers.
    monkeypatch.setitem(texts.VERSIONS, NEWSLETTER, 2)
    assert list(newsletter_recipients()) == []
    assert subscriber_counts()["ask_again"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        call_command("newsletter", "ask-again")
    assert [m.to for m in mail.outbox] == [["anna@example.se"]]
    link = link_in(mail.outbox[0].body, "/nyhetsbrev/bekrafta/")
    client.post(link)
    assert list(newsletter_recipients()) == [person]
    current = ConsentRecord.objects.get(person=person, ended_at__isnull=True)
    assert current.version == 2 and current.text.text_hash != old_hash
    assert current.text.text == consent_text(NEWSLETTER, "sv").text


def test_her_privacy_center_shows_her_consents_and_withdrawing_there_is_recorded(client):
    person = subscriber("anna@example.se")
    response = client.post("/mina-uppgifter/in/", {"token": link_token(person)})
    assert response.status_code == 302
    page = client.get("/mina-uppgifter/oversikt/").content.decode()
    assert "Samtycken" in page and "kontrollvärde" in page
    client.post("/mina-uppgifter/samtycke/nyhetsbrev/")
    assert ConsentRecord.objects.get(person=person, action="withdrawn").method == "privacy_center"
