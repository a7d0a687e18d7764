"""The coach's journal (P15): encrypted notes per client and consultation, every read and change
in the access log, signing, versioned corrections, erasure, and the client's own copy."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import zipfile

import pytest
from django.core.management import call_command

from consonance.audit.models import Event
from consonance.audit.services import SYSTEM
from consonance.journal.models import AccessEvent, Note
from consonance.journal.selectors import note_text
from consonance.journal.services import (
    JournalError,
    note_correct,
    note_create,
    note_sign,
    note_update,
)
from consonance.people.keys import person_key_destroy
from consonance.people.models import Person
from consonance.rights.erasure import person_erase
from consonance.rights.models import Request
from consonance.rights.services import request_record
from consonance.rights.tokens import link_token
from tests.factories import make_client, make_email_consultation

pytestmark = pytest.mark.django_db
SECRET = "Sover dåligt sedan skilsmässan; panikångest på jobbet."


def card(staff_client, person) -> str:
    response = staff_client.get(f"/staff/journal/clients/{person.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_note_written_on_the_client_card_is_stored_encrypted_and_shown_back(staff_client):
    person = make_client()
    response = staff_client.post(f"/staff/journal/clients/{person.pk}/", {"body": SECRET})
    assert response.status_code == 302
    note = Note.objects.get(person=person)
    assert SECRET.encode() not in bytes(note.body_ciphertext)
    assert "skilsmässan".encode() not in bytes(note.body_ciphertext)
    assert note_text(note) == SECRET
    assert "skilsmässan" in card(staff_client, person)
    event = Event.objects.get(action="journal.note_created")
    assert event.subject_id == person.pk and "skilsm" not in event.detail


def test_a_note_can_belong_to_a_consultation(staff_client):
    consultation = make_email_consultation()
    person = consultation.person
    staff_client.post(
        f"/staff/journal/clients/{person.pk}/",
        {"body": "Inför nästa gång.", "booking": consultation.booking_id},
    )
    assert Note.objects.get(person=person, kind="note").booking_id == consultation.booking_id


def test_an_empty_note_is_refused_with_a_message_and_nothing_saved(staff_client):
    person = make_client()
    response = staff_client.post(f"/staff/journal/clients/{person.pk}/", {"body": "   "})
    assert response.status_code == 200
    assert "Skriv något först." in response.content.decode()
    assert not Note.objects.exists()


def test_every_read_and_write_is_in_the_access_log_shown_on_the_card(staff_client, staff_user):
    person = make_client()
    staff_client.post(f"/staff/journal/clients/{person.pk}/", {"body": SECRET})
    card(staff_client, person)
    card(staff_client, person)
    log = list(AccessEvent.objects.filter(person=person).order_by("pk"))
    assert [e.action for e in log] == ["write", "read", "read"]
    assert {e.actor for e in log} == {f"staff:{staff_user.pk}"}
    assert all(e.origin == "127.0.0.1" for e in log)
    page = card(staff_client, person)
    assert "Åtkomstlogg" in page and "läste" in page and "skrev" in page


def test_a_signed_note_is_locked_and_a_correction_is_a_new_version_with_the_old_struck_through(
    staff_client,
):
    person = make_client()
    note = note_create(person=person, body="Första versionen.", actor=SYSTEM)
    assert staff_client.post(f"/staff/journal/notes/{note.pk}/sign/").status_code == 302
    note.refresh_from_db()
    assert note.signed_at is not None
    with pytest.raises(JournalError):
        note_update(note_id=note.pk, body="Ändrad i smyg.", actor=SYSTEM)
    staff_client.post(f"/staff/journal/notes/{note.pk}/", {"body": "Rättad version."})
    note.refresh_from_db()
    new = Note.objects.get(root=note)
    assert note.superseded_at is not None and note_text(note) == "Första versionen."
    assert new.version == 2 and new.signed_at is None and note_text(new) == "Rättad version."
    page = card(staff_client, person)
    assert "<del>Första versionen.</del>" in page and "Rättad version." in page
    assert [e.action for e in AccessEvent.objects.filter(person=person).order_by("pk")][:4] == [
        "write",
        "sign",
        "correct",
        "read",
    ]


def test_an_old_version_cannot_be_corrected_or_signed_again():
    person = make_client()
    note = note_sign(note_id=note_create(person=person, body="A.", actor=SYSTEM).pk, actor=SYSTEM)
    note_correct(note_id=note.pk, body="B.", actor=SYSTEM)
    with pytest.raises(JournalError):
        note_correct(note_id=note.pk, body="C.", actor=SYSTEM)
    with pytest.raises(JournalError):
        note_sign(note_id=note.pk, actor=SYSTEM)


def test_an_erased_client_s_notes_cannot_be_decrypted(staff_client):
    person = make_client()
    note = note_create(person=person, body=SECRET, actor=SYSTEM)
    blob = bytes(note.body_ciphertext)
    person_key_destroy(person=person, actor=SYSTEM)
    note.refresh_from_db()
    assert note_text(note) is None
    assert "nyckel är förstörd" in card(staff_client, person)
    person_erase(person=person, actor=SYSTEM)
    assert not Note.objects.filter(pk=note.pk).exists()
    assert SECRET.encode() not in blob


def test_no_note_text_reaches_the_logs(staff_client, caplog):
    person = make_client()
    with caplog.at_level(logging.DEBUG):
        staff_client.post(f"/staff/journal/clients/{person.pk}/", {"body": SECRET})
        card(staff_client, person)
    assert "skilsmässan" not in caplog.text and person.email not in caplog.text


def test_staff_journal_pages_need_sign_in(client):
    person = make_client()
    for url in ("/staff/journal/", f"/staff/journal/clients/{person.pk}/"):
        assert client.get(url).status_code == 302


def test_unknown_ids_are_404_not_500(staff_client):
    assert staff_client.get("/staff/journal/clients/999999/").status_code == 404
    assert staff_client.get("/staff/journal/notes/999999/").status_code == 404
    assert staff_client.get("/staff/journal/consultations/999999/").status_code == 404


def _sign_in_privacy_center(client, person) -> None:
    response = client.post("/mina-uppgifter/in/", {"token": link_token(person)})
    assert response.status_code == 302


def test_her_request_to_see_her_notes_shows_them_in_the_privacy_center_once_handled(
    client, staff_client
):
    person = make_client()
    note = note_create(person=person, body="Tidigare version.", actor=SYSTEM)
    note_sign(note_id=note.pk, actor=SYSTEM)
    note_correct(note_id=note.pk, body=SECRET, actor=SYSTEM)
    _sign_in_privacy_center(client, person)
    assert "skilsmässan" not in client.get("/mina-uppgifter/oversikt/").content.decode()
    request = request_record(
        person=person, kind=Request.Kind.JOURNAL_ACCESS, actor=SYSTEM, done=False
    )
    staff_client.post(f"/staff/rights/requests/{request.pk}/handle/", {"state": "done", "note": ""})
    page = client.get("/mina-uppgifter/oversikt/").content.decode()
    assert "Dina journalanteckningar" in page
    assert "skilsmässan" in page and "<del>Tidigare version.</del>" in page
    shown = AccessEvent.objects.filter(person=person, action="export", actor=f"person:{person.pk}")
    assert shown.exists()


def test_her_export_holds_her_notes_once_the_coach_has_gone_through_her_request(
    client, staff_client
):
    person = make_client()
    note_create(person=person, body=SECRET, actor=SYSTEM)
    _sign_in_privacy_center(client, person)

    # Before: the page promises "within 10 days", and her copy keeps that promise (P15).
    archive = zipfile.ZipFile(io.BytesIO(client.get("/mina-uppgifter/ladda-ner/").content))
    data = json.loads(archive.read("data.json"))
    assert data["journal_notes"] == [] and data["journal_notes_withheld"] is True
    assert "skilsmässan" not in archive.read("data.json").decode()
    html = archive.read("index.html").decode()
    assert "skilsmässan" not in html and "lämnar ut dem inom 10 dagar" in html
    assert not AccessEvent.objects.filter(person=person, action="export").exists()

    request = request_record(
        person=person, kind=Request.Kind.JOURNAL_ACCESS, actor=SYSTEM, done=False
    )
    staff_client.post(f"/staff/rights/requests/{request.pk}/handle/", {"state": "done", "note": ""})
    _sign_in_privacy_center(client, person)
    response = client.get("/mina-uppgifter/ladda-ner/")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    data = json.loads(archive.read("data.json"))
    assert [n["text"] for n in data["journal_notes"]] == [SECRET]
    assert data["journal_notes_withheld"] is False
    assert "skilsmässan" in archive.read("index.html").decode()
    assert AccessEvent.objects.filter(person=person, action="export").exists()


def test_a_journal_deletion_on_request_is_in_the_access_log(staff_client):
    person = make_client()
    note_create(person=person, body=SECRET, actor=SYSTEM)
    request = request_record(
        person=person, kind=Request.Kind.JOURNAL_DELETION, actor=SYSTEM, done=False
    )
    staff_client.post(f"/staff/rights/requests/{request.pk}/erase-journal/")
    assert not Note.objects.filter(person=person).exists()
    assert AccessEvent.objects.filter(person=person, action="delete").exists()


def test_notes_are_deleted_two_years_after_the_latest_consultation_and_kept_before(capsys):
    old = make_client("gammal@example.se")
    recent = make_client("ny@example.se")
    for person in (old, recent):
        note_create(person=person, body=SECRET, actor=SYSTEM)
    # The notes were written at the consultation (the clock counts from the latest of the two).
    Person.objects.filter(pk=old.pk).update(
        last_consultation_at=dt.datetime(2023, 1, 10, tzinfo=dt.UTC),
        last_contact_at=dt.datetime(2023, 1, 10, tzinfo=dt.UTC),
        last_note_at=dt.datetime(2023, 1, 10, tzinfo=dt.UTC),
    )
    Person.objects.filter(pk=recent.pk).update(
        last_consultation_at=dt.datetime(2024, 6, 1, tzinfo=dt.UTC),
        last_contact_at=dt.datetime(2024, 6, 1, tzinfo=dt.UTC),
        last_note_at=dt.datetime(2024, 6, 1, tzinfo=dt.UTC),
    )
    call_command("retention", "run", "--now", "2025-03-01T00:00:00+01:00", "--json")
    report = json.loads(capsys.readouterr().out)
    assert {r["id"]: r for r in report["rules"]}["journal-2y"]["deleted"] == 1
    assert not Note.objects.filter(person_id=old.pk).exists()
    assert Note.objects.filter(person_id=recent.pk).count() == 1


def test_a_long_journal_is_shown_a_page_at_a_time_newest_first(staff_client):
    person = make_client()
    for i in range(30):
        note_create(person=person, body=f"Anteckning nummer {i:02d}.", actor=SYSTEM)
    first = card(staff_client, person)
    assert "Anteckning nummer 29." in first and "Anteckning nummer 05." in first
    assert "Anteckning nummer 04." not in first and "Sida 1 av 2 (30 anteckningar)" in first
    second = staff_client.get(f"/staff/journal/clients/{person.pk}/?sida=2").content.decode()
    assert "Anteckning nummer 04." in second and "Anteckning nummer 29." not in second
    assert staff_client.get(f"/staff/journal/clients/{person.pk}/?sida=x").status_code == 200


def test_the_journal_search_is_posted_and_takes_any_text(staff_client):
    make_client()
    found = staff_client.post("/staff/journal/", {"q": "asa@exa\x00mple"}).content.decode()
    assert "Åsa" in found and "Ingen träff" not in found
    assert "Ingen träff" in staff_client.post("/staff/journal/", {"q": "zzz"}).content.decode()
    # A query in the address is not a search, so names never travel in URLs.
    page = staff_client.get("/staff/journal/?q=zzz").content.decode()
    assert "Ingen träff" not in page and 'form method="post" class="card"' in page
