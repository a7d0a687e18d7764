"""The audit log is append-only and hash-chained; `consonance audit verify` finds tampering."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from consonance.audit.models import Event
from consonance.audit.services import audit_append, audit_verify

pytestmark = pytest.mark.django_db


def make_chain(n: int = 5) -> None:
    for i in range(n):
        audit_append(
            actor="system",
            action="test.event",
            subject_id=i,
            category="contact_details",
            detail={"count": i},
        )


def sql(statement: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def verify_fails_at(seq: int) -> str:
    with pytest.raises(CommandError) as caught:
        call_command("audit", "verify")
    assert f"broken at event #{seq}" in str(caught.value)
    return str(caught.value)


def test_an_intact_chain_verifies(capsys):
    make_chain()
    call_command("audit", "verify")
    assert "intact: 5 events" in capsys.readouterr().out


def test_events_hold_ids_and_counts_never_personal_values():
    event = audit_append(
        actor="staff:1",
        action="person.updated",
        subject_id=42,
        category="contact_details",
        detail={"fields": ["first_name"]},
    )
    assert event.detail == '{"fields":["first_name"]}'
    assert event.prev_hash == "0" * 64 and len(event.hash) == 64


def test_an_edited_row_is_detected():
    make_chain()
    sql("UPDATE audit_event SET actor = %s WHERE seq = %s", ["staff:99", 3])
    assert "edited" in verify_fails_at(3)


def test_an_edited_detail_is_detected():
    make_chain()
    sql("UPDATE audit_event SET detail = %s WHERE seq = %s", ['{"count":99}', 2])
    verify_fails_at(2)


def test_a_deleted_row_is_detected():
    make_chain()
    sql("DELETE FROM audit_event WHERE seq = %s", [3])
    assert "deleted" in verify_fails_at(4)


def test_a_row_inserted_out_of_order_is_detected():
    make_chain()
    forged = Event.objects.get(seq=5)
    # Renumber the tail to make room, then slip a forged row in before it.
    sql("UPDATE audit_event SET seq = seq + 10 WHERE seq >= %s", [4])
    sql(
        "INSERT INTO audit_event (seq, at, actor, action, subject_id, category, detail, prev_hash, hash)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
        [
            4,
            forged.at,
            "staff:1",
            "person.erased",
            1,
            "",
            "{}",
            Event.objects.get(seq=3).hash,
            "f" * 64,
        ],
    )
    verify_fails_at(4)


def test_a_row_appended_with_a_forged_hash_is_detected():
    make_chain(3)
    last = Event.objects.get(seq=3)
    sql(
        "INSERT INTO audit_event (seq, at, actor, action, subject_id, category, detail, prev_hash, hash)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
        [4, last.at, "staff:1", "x", None, "", "{}", last.hash, "a" * 64],
    )
    assert "edited" in verify_fails_at(4)


def test_the_chain_continues_after_many_appends():
    make_chain(50)
    count, broken = audit_verify()
    assert (count, broken) == (50, None)
    assert list(Event.objects.values_list("seq", flat=True)) == list(range(1, 51))


def test_the_staff_overview_shows_the_latest_verification_without_rehashing(staff_client):
    assert "Inte kontrollerad än" in staff_client.get("/staff/").content.decode()
    make_chain()
    call_command("audit", "verify")
    page = staff_client.get("/staff/").content.decode()
    assert "Obruten:" in page and "händelser kontrollerade" in page

    # Tampering shows at the next verification (daily, or by command), not on every page load.
    sql(f"UPDATE {Event._meta.db_table} SET action = %s WHERE seq = %s", ["forged", 3])
    assert "Obruten:" in staff_client.get("/staff/").content.decode()
    verify_fails_at(3)
    page = staff_client.get("/staff/").content.decode()
    assert "Kedjan är bruten vid händelse #3." in page
