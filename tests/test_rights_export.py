"""Access and portability (P24, P29): the export is built from the registry."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.management import call_command

from consonance.privacy.registry import registry
from tests.factories import EMAIL, populated_person

pytestmark = pytest.mark.django_db(transaction=True)


def _export(tmp_path, email=EMAIL) -> tuple[dict, str]:
    out = tmp_path / "export.zip"
    call_command("rights", "export", "--email", email, "--out", str(out))
    archive = zipfile.ZipFile(io.BytesIO(out.read_bytes()))
    return json.loads(archive.read("data.json")), archive.read("index.html").decode()


def test_export_holds_every_registry_models_rows_for_her_and_only_hers(tmp_path):
    person = populated_person()
    other = populated_person("olle.ek@example.se", "Olle", "Ek")
    data, _html = _export(tmp_path)
    exported: dict[str, set] = {}
    for category in data["categories"]:
        for model, rows in category["records"].items():
            exported.setdefault(model, set()).update(r["id"] for r in rows)
    for model, rows in data["other_records"].items():
        exported.setdefault(model, set()).update(r["id"] for r in rows)
    for declaration in registry():
        mine = set(declaration.rows_for(person.pk).values_list("pk", flat=True))
        theirs = set(declaration.rows_for(other.pk).values_list("pk", flat=True))
        assert exported.get(declaration.model, set()) == mine, declaration.model
        assert not (exported.get(declaration.model, set()) & theirs)
    text = json.dumps(data, ensure_ascii=False)
    assert "olle.ek" not in text and "Olle" not in text
    assert data["person_id"] == person.pk


def test_export_decrypts_her_text_and_states_the_policy_facts(tmp_path):
    populated_person()
    data, html = _export(tmp_path)
    categories = {c["id"]: c for c in data["categories"]}
    notes = categories["journal"]["records"]["journal.Note"]
    assert notes[0]["body"] == "Sover bättre."
    assert categories["messages"]["records"]["contact.Message"][0]["body"] == "Har ni tider i maj?"
    # Her account is listed; what she keeps private is encrypted in her browser (P4), never here.
    [account] = categories["member_account"]["records"]["people.MemberProfile"]
    assert "profile" not in account and account["created_at"]
    for category in data["categories"]:
        assert category["purposes"] and category["legal_bases"]
        assert category["retention"] and category["retention_end"]
        assert "recipients" in category
    bookkeeping = categories["bookkeeping"]
    assert bookkeeping["legal_hold"].startswith("Bokföringslagen")
    assert bookkeeping["retention_end"][0]["until"].startswith("2034-01-01")
    assert categories["journal"]["purposes"][0]["special_category_article"] == "GDPR art. 9.2.a"
    assert "Sover bättre." in html and "Bokföringslagen" in html


def test_export_in_english(tmp_path):
    populated_person()
    out = tmp_path / "en.zip"
    call_command("rights", "export", "--email", EMAIL, "--out", str(out), "--language", "en")
    data = json.loads(zipfile.ZipFile(out).read("data.json"))
    assert data["categories"][0]["name"] == "Contact details and bookings"


def test_export_to_an_unwritable_place_fails_cleanly(tmp_path):
    from django.core.management.base import CommandError

    populated_person()
    with pytest.raises(CommandError, match="cannot write"):
        call_command("rights", "export", "--email", EMAIL, "--out", str(tmp_path / "no" / "x.zip"))
