"""Request deadlines from the policy, the coach's page and the daily reminder."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from consonance.audit.models import Event
from consonance.audit.services import SYSTEM
from consonance.journal.models import Note
from consonance.operations.tasks import PERIODIC as OPERATIONS_PERIODIC
from consonance.rights.models import Request
from consonance.rights.services import request_record
from consonance.rights.tasks import PERIODIC, rights_remind_task
from tests.factories import EMAIL, populated_person

pytestmark = pytest.mark.django_db(transaction=True)


def test_due_dates_come_from_the_policy(policy_copy):
    person = populated_person()
    journal = request_record(person=person, kind="journal_access", actor=SYSTEM, done=False)
    other = request_record(person=person, kind="erasure", actor=SYSTEM, done=False)
    assert journal.deadline == "journal-request"
    assert journal.due_at - journal.received_at == dt.timedelta(days=10)
    assert other.deadline == "rights-request"
    received = other.received_at
    assert other.due_at.date().day == received.date().day or received.day > 28
    assert 28 <= (other.due_at - received).days <= 31
    # Change the policy and the deadline follows.
    policy_copy.write_text(
        policy_copy.read_text().replace('duration = "10 days"', 'duration = "5 days"')
    )
    from consonance.privacy.policy import _cached

    _cached.cache_clear()
    again = request_record(person=person, kind="journal_deletion", actor=SYSTEM, done=False)
    assert again.due_at - again.received_at == dt.timedelta(days=5)


def test_the_staff_page_lists_open_requests_with_overdue_highlighted(staff_client):
    person = populated_person()
    late = request_record(person=person, kind="journal_access", actor=SYSTEM, done=False)
    Request.objects.filter(pk=late.pk).update(due_at=late.received_at - dt.timedelta(days=1))
    request_record(person=person, kind="journal_deletion", actor=SYSTEM, done=False)
    page = staff_client.get("/staff/rights/").content.decode()
    assert "försenad" in page and "Se journalanteckningar" in page
    assert "Radera journalanteckningar" in page


def test_the_coach_marks_a_request_done_and_carries_out_a_journal_deletion(staff_client):
    person = populated_person()
    access = request_record(person=person, kind="journal_access", actor=SYSTEM, done=False)
    deletion = request_record(person=person, kind="journal_deletion", actor=SYSTEM, done=False)
    staff_client.post(f"/staff/rights/requests/{access.pk}/handle/", {"state": "done", "note": ""})
    access.refresh_from_db()
    assert access.state == "done" and access.handled_at
    staff_client.post(f"/staff/rights/requests/{deletion.pk}/erase-journal/")
    deletion.refresh_from_db()
    assert deletion.state == "done"
    assert not Note.objects.filter(person=person).exists()
    assert Event.objects.filter(action="journal.notes_erased").count() == 1
    assert Event.objects.filter(action="rights.request_handled").count() == 2


def test_staff_pages_need_sign_in(client):
    assert client.get("/staff/rights/").status_code == 302


def test_staff_see_a_receipt_by_id(staff_client):
    populated_person()
    call_command("rights", "erase", "--email", EMAIL)
    from consonance.rights.models import ErasureReceipt

    receipt = ErasureReceipt.objects.get()
    page = staff_client.get(f"/staff/rights/receipts/{receipt.pk}/").content.decode()
    assert "bookkeeping.Voucher" in page and EMAIL not in page


def test_the_daily_reminder_mails_the_coach_without_personal_data(settings):
    settings.CONSONANCE_STAFF_EMAIL = "coach@example.se"
    person = populated_person()
    request = request_record(person=person, kind="journal_access", actor=SYSTEM, done=False)
    mail.outbox.clear()
    assert rights_remind_task.call() == 0  # ten days away: nothing yet
    with time_machine.travel(request.due_at - dt.timedelta(days=2)):
        assert rights_remind_task.call() == 1
        assert rights_remind_task.call() == 0  # once a day
    with time_machine.travel(request.due_at + dt.timedelta(days=1)):
        assert rights_remind_task.call() == 1
    sent = [m for m in mail.outbox if m.to == ["coach@example.se"]]
    assert len(sent) == 2
    assert f"#{request.pk}" in sent[-1].body and "FÖRSENAD" in sent[-1].body
    assert "/staff/rights/" in sent[-1].body
    for m in sent:
        assert EMAIL not in m.body and "Klara" not in m.body
    assert [p.name for p in PERIODIC] == ["rights-remind", "rights-deferred-erasures"]
    assert [p.name for p in OPERATIONS_PERIODIC] == [
        "backup",
        "erasure-ledger-offsite",
        "key-backups-rotate",
    ]
