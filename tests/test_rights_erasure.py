"""Erasure (P13, P26) with legal holds, its receipt and the residue verifier."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError

from consonance.audit.models import Event
from consonance.audit.services import SYSTEM
from consonance.bookkeeping.models import Voucher
from consonance.contact.models import Message
from consonance.journal.models import ConsultationMessage, Note
from consonance.mail.models import OutboxMessage
from consonance.mail.outbox import mail_is_suppressed, mail_queue
from consonance.newsletter.models import Subscription
from consonance.payments.models import BillingDetails, Order, OrderEvent
from consonance.people.models import MemberProfile, Person, PersonKey
from consonance.rights.erasure import ErasureFailed, person_erase
from consonance.rights.models import ErasureReceipt, Request
from tests.factories import EMAIL, populated_person

pytestmark = pytest.mark.django_db(transaction=True)


def test_mail_sent_before_she_was_known_does_not_stop_her_erasure(
    django_capture_on_commit_callbacks,
):
    """The newsletter's confirmation link goes out before she is a person (no link to her); a
    sent copy stays in the outbox until the purge, and her erasure must not fail on it."""
    with django_capture_on_commit_callbacks(execute=True):
        mail_queue(to=EMAIL, template="rights_link", context={"url": "x", "minutes": 1})
    assert OutboxMessage.objects.get(recipient=EMAIL).person_id is None
    person = populated_person()
    with django_capture_on_commit_callbacks(execute=True):
        receipt = person_erase(person=person, actor=SYSTEM)
    assert receipt.verified
    assert not OutboxMessage.objects.filter(recipient=EMAIL, template="rights_link").exists()


def test_erase_removes_everything_but_the_bookkeeping_and_verifies_clean(
    django_capture_on_commit_callbacks,
):
    person = populated_person()
    other = populated_person("olle.ek@example.se", "Olle", "Ek")
    voucher = Voucher.objects.get(person=person)
    with django_capture_on_commit_callbacks(execute=True):
        receipt = person_erase(person=person, actor=SYSTEM)

    assert not Person.objects.filter(email=EMAIL).exists()
    assert not PersonKey.objects.filter(person_id=person.pk).exists()
    for model in (MemberProfile, BillingDetails, Note, ConsultationMessage, Message, Subscription):
        assert not model.objects.filter(person_id=person.pk).exists()
    assert not Order.objects.filter(payer_email=EMAIL).exists()
    assert not OrderEvent.objects.filter(order__reference=f"C-{person.pk}-1").exists()
    # The voucher stays, minimised: payer name for Bokföringslagen, no link to her.
    voucher.refresh_from_db()
    assert voucher.person_id is None and voucher.payer_name == "Klara Ek"
    # The other person is untouched.
    assert Order.objects.filter(person=other).count() == 1
    assert Voucher.objects.filter(person=other).count() == 1

    kept = receipt.kept
    assert [k["category"] for k in kept] == ["bookkeeping"]
    assert kept[0]["count"] == 1
    assert kept[0]["rows"] == [
        {"model": "bookkeeping.Voucher", "id": voucher.pk, "until": "2034-01-01"}
    ]
    assert kept[0]["until"] == "2034-01-01"
    assert "Bokföringslagen" in kept[0]["reason"]
    erased = {e["category"]: e["count"] for e in receipt.erased}
    assert erased["contact_details"] == 1
    assert erased["orders"] >= 2 and erased["billing_details"] == 1
    assert erased["journal"] == 1 and erased["email_consultation"] == 1
    assert erased["messages"] == 1 and erased["sent_email"] >= 1 and erased["newsletter"] == 1
    assert erased["member_account"] == 1
    assert receipt.verified and receipt.key_destroyed

    # The receipt is no personal data; it went to her address once, which is then suppressed.
    text = json.dumps(receipt.as_dict(), ensure_ascii=False)
    for value in (EMAIL, "Klara", "Storgatan", "070123456"):
        assert value not in text
    receipts = [m for m in mail.outbox if m.to == [EMAIL] and "radering" in m.subject]
    assert len(receipts) == 1 and receipt.token in receipts[0].body
    assert mail_is_suppressed(EMAIL)
    assert mail_queue(to=EMAIL, template="rights_link", context={"url": "x", "minutes": 1}) is None

    # The audit records counts only.
    event = Event.objects.get(action="person.erased")
    assert EMAIL not in event.detail and "Klara" not in event.detail
    assert Request.objects.get(kind="erasure").person_id is None


def test_erase_command_prints_json_receipt_and_verifier_finds_no_residue(capsys):
    person = populated_person()
    voucher_id = Voucher.objects.get(person=person).pk
    call_command("rights", "erase", "--email", EMAIL.upper(), "--json")
    out = json.loads(capsys.readouterr().out)
    assert {"erased", "kept"} <= out.keys()
    assert out["kept"][0]["category"] == "bookkeeping"
    assert out["kept"][0]["count"] == 1
    assert out["kept"][0]["until"] == "2034-01-01"
    assert out["kept"][0]["reason"].startswith("Bokföringslagen")
    assert [r["id"] for r in out["kept"][0]["rows"]] == [voucher_id]
    assert all({"category", "count"} <= e.keys() for e in out["erased"])

    call_command("rights", "verify-erasure", "--email", EMAIL)
    assert "No residue" in capsys.readouterr().out
    call_command("rights", "verify-erasure", "--email", EMAIL, "--deep")
    assert "No residue" in capsys.readouterr().out


def test_verifier_lists_residue_and_fails():
    person = populated_person()
    # An order whose link was lost still names her: residue outside any legal hold.
    Order.objects.filter(person=person).update(person=None)
    Person.objects.filter(pk=person.pk).delete()
    with pytest.raises(CommandError):
        call_command("rights", "verify-erasure", "--email", EMAIL)


def test_erasure_with_residue_rolls_back_and_issues_no_receipt():
    person = populated_person()
    # Data the registry cannot reach through her: an order detached from her Person.
    Order.objects.create(
        reference="LOOSE-1",
        method=Order.Method.CARD,
        description="x",
        amount=Decimal(1),
        payer_name="Someone",
        payer_email=EMAIL,
    )
    with pytest.raises(ErasureFailed):
        person_erase(person=person, actor=SYSTEM)
    assert Person.objects.filter(pk=person.pk).exists()
    assert PersonKey.objects.filter(person_id=person.pk).exists()
    assert Note.objects.filter(person=person).exists()
    assert not ErasureReceipt.objects.exists()
    assert not mail_is_suppressed(EMAIL)
    with pytest.raises(CommandError):
        call_command("rights", "erase", "--email", EMAIL)


def test_deep_scan_finds_what_the_registry_missed(capsys):
    from django.contrib.admin.models import LogEntry
    from django.contrib.auth import get_user_model
    from django.contrib.contenttypes.models import ContentType

    person = populated_person()
    user = get_user_model().objects.create_user("coach2", password="x" * 20)
    call_command("rights", "erase", "--email", EMAIL)
    # An undeclared text column (contrib's admin log) that names her.
    LogEntry.objects.create(
        user=user,
        content_type=ContentType.objects.get_for_model(Person),
        object_id=str(person.pk),
        object_repr=f"Klara Ek <{EMAIL}>",
        action_flag=1,
    )
    call_command("rights", "verify-erasure", "--email", EMAIL)  # the registry scan misses it
    capsys.readouterr()
    with pytest.raises(CommandError):
        call_command("rights", "verify-erasure", "--email", EMAIL, "--deep")
    assert "admin.LogEntry" in capsys.readouterr().out


def test_unknown_address_is_refused_by_every_command(tmp_path):
    for args in (
        ["export", "--email", "nobody@example.se", "--out", str(tmp_path / "x.zip")],
        ["erase", "--email", "nobody@example.se"],
        ["verify-erasure", "--email", "nobody@example.se"],
    ):
        with pytest.raises(CommandError, match="e-mail address"):
            call_command("rights", *args)


def test_verifying_a_person_not_erased_fails():
    populated_person()
    with pytest.raises(CommandError, match="still exists"):
        call_command("rights", "verify-erasure", "--email", EMAIL)


def test_namesake_with_another_address_is_not_residue():
    person = populated_person()
    namesake = populated_person("klara.ek@example.com", "Klara", "Ek")
    receipt = person_erase(person=person, actor=SYSTEM)
    assert receipt.verified
    assert Person.objects.filter(pk=namesake.pk).exists()
    assert BillingDetails.objects.filter(person=namesake).count() == 1
