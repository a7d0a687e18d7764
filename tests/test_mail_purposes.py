"""P20 as code: every mail the site can send declares a purpose from the policy's [communication]
list; the outbox and the newsletter sender refuse any other; the policy page, `policy check`, her
export and the coach's outbox page all read the same list."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError, SystemCheckError

import consonance.payments.emails
from consonance.audit.services import SYSTEM
from consonance.mail.bulk import (
    BulkMessage,
    MailPurposeRefused,
    mail_bulk_connection,
    mail_bulk_send,
)
from consonance.mail.models import OutboxMessage
from consonance.mail.outbox import mail_queue
from consonance.newsletter.campaigns import campaign_create, campaign_start
from consonance.newsletter.models import Campaign
from consonance.privacy.mail_types import mail_templates, mail_types
from consonance.privacy.policy import get_policy
from tests.factories import EMAIL, populated_person
from tests.test_rights_export import _export

SENT_BY_BULK = {"newsletter_issue"}  # mail types without an outbox template


def _drop(policy_copy: Path, communication_id: str) -> None:
    """Take one reason out of the policy copy in force."""
    text = policy_copy.read_text(encoding="utf-8")
    block = re.compile(rf"\[communication\.{communication_id}\]\n(?:[^\[\n][^\n]*\n)*\n?")
    assert block.search(text)
    policy_copy.write_text(block.sub("", text), encoding="utf-8")


@pytest.fixture
def undeclared(monkeypatch):
    """refund_confirmed as if its app had forgotten to declare it."""
    monkeypatch.delitem(consonance.payments.emails.MAIL_TYPES, "refund_confirmed")
    mail_types.cache_clear()
    yield
    mail_types.cache_clear()


@pytest.mark.django_db
def test_every_mail_the_code_can_send_is_sent_with_a_purpose_the_policy_lists():
    communication = get_policy().communication
    templates = mail_templates()
    declared = mail_types()
    assert len(templates) >= 29  # every app's mail, not an empty scan
    assert set(declared) == set(templates) | SENT_BY_BULK
    for name in templates:
        message = mail_queue(to="anna@example.se", template=name, context={})
        assert message is not None, name
        assert message.purpose == declared[name].purpose, name
        assert message.purpose in communication, name
    assert OutboxMessage.objects.count() == len(templates)
    # The reasons the code uses are exactly the ones the policy lists: none unused, none extra.
    assert {d.purpose for d in declared.values()} == set(communication)


@pytest.mark.django_db
def test_the_outbox_refuses_a_mail_without_a_purpose_and_stores_nothing(undeclared):
    with pytest.raises(MailPurposeRefused, match="'refund_confirmed' declares no purpose"):
        mail_queue(to="anna@example.se", template="refund_confirmed", context={})
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db
def test_the_outbox_refuses_a_purpose_the_policy_does_not_list(policy_copy):
    _drop(policy_copy, "refund")
    with pytest.raises(MailPurposeRefused, match="purpose 'refund'"):
        mail_queue(to="anna@example.se", template="refund_confirmed", context={})
    assert not OutboxMessage.objects.exists()
    # Other mail still goes.
    assert mail_queue(to="anna@example.se", template="contact_reply", context={}).purpose == "reply"


@pytest.mark.django_db
def test_the_bulk_sender_refuses_an_undeclared_or_unlisted_mail_type(policy_copy):
    with mail_bulk_connection() as connection:
        with pytest.raises(MailPurposeRefused, match="'' declares no purpose"):
            mail_bulk_send(connection, BulkMessage(to="anna@example.se", subject="s", text="t"))
        message = BulkMessage(
            to="a@example.se", subject="s", text="t", mail_type="newsletter_issue"
        )
        mail_bulk_send(connection, message)
        assert len(mail.outbox) == 1
        _drop(policy_copy, "newsletter")
        with pytest.raises(MailPurposeRefused, match="purpose 'newsletter'"):
            mail_bulk_send(connection, message)
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_newsletter_is_not_started_when_the_policy_does_not_list_it(
    policy_copy, staff_client, tmp_path
):
    _drop(policy_copy, "newsletter")
    campaign = campaign_create(subject_sv="Vårbrev", body_sv="Nu kommer våren.", actor=SYSTEM)
    with pytest.raises(MailPurposeRefused):
        campaign_start(campaign=campaign, actor=SYSTEM)
    response = staff_client.post(
        f"/staff/newsletter/{campaign.pk}/start/", {"confirmed": "1"}, follow=True
    )
    assert "integritetspolicyn nämner inte nyhetsbrevet" in response.content.decode()
    campaign.refresh_from_db()
    assert campaign.state == Campaign.State.DRAFT and not campaign.deliveries.exists()
    issue = tmp_path / "brev.md"
    issue.write_text("# Vår\n", encoding="utf-8")
    with pytest.raises(CommandError, match="purpose 'newsletter'"):
        call_command("newsletter", "send", str(issue), "--subject", "Vårbrev")
    assert Campaign.objects.count() == 1  # the command left no draft of its own


@pytest.mark.django_db
def test_policy_check_names_each_mail_type_without_a_listed_purpose(policy_copy, undeclared):
    _drop(policy_copy, "rights")
    with pytest.raises(CommandError) as failed:
        call_command("policy", "check", str(policy_copy), stderr=(err := _Buffer()))
    assert failed.value.returncode == 1
    lines = err.lines()
    template = Path(mail_templates()["refund_confirmed"])
    assert f"{template}:1: mail type 'refund_confirmed' declares no purpose" in lines[0]
    source = Path(consonance.payments.emails.__file__).parent.parent / "rights" / "emails.py"
    line = next(n for n, t in enumerate(source.read_text().splitlines(), 1) if '"rights_link"' in t)
    assert any(
        text.startswith(f"{source}:{line}: mail type 'rights_link': purpose 'rights' is not")
        for text in lines
    )


# Django's own model checks ask SQLite whether it supports JSON, which needs the database.
@pytest.mark.django_db
def test_the_site_does_not_start_with_a_mail_type_without_a_purpose(undeclared):
    with pytest.raises(SystemCheckError, match=r"consonance\.E012.*'refund_confirmed'"):
        call_command("check")


def test_policy_check_passes_on_the_shipped_policy(capsys):
    call_command("policy", "check")
    assert "mail types)" in capsys.readouterr().out


@pytest.mark.django_db
def test_the_policy_page_lists_the_reasons_from_the_policy(client, policy_copy):
    policy = get_policy()
    page = client.get("/integritet/").content.decode()
    for reason in policy.communication.values():
        assert (reason.text.sv in page) == (reason.audience == "client"), reason.id
    english = client.get("/en/privacy/").content.decode()
    assert policy.communication["refund"].text.en in english
    _drop(policy_copy, "refund")
    assert policy.communication["refund"].text.sv not in client.get("/integritet/").content.decode()


@pytest.mark.django_db(transaction=True)
def test_her_export_says_why_each_mail_was_sent(tmp_path):
    populated_person()  # with a rights_link in the outbox
    data, html = _export(tmp_path)
    categories = {c["id"]: c for c in data["categories"]}
    [row] = categories["sent_email"]["records"]["mail.OutboxMessage"]
    assert row["purpose"] == "rights"
    assert get_policy().communication["rights"].text.sv in html
    assert "Varför det skickades" in html
    assert EMAIL


@pytest.mark.django_db
def test_the_coachs_outbox_page_shows_each_messages_purpose(staff_client):
    message = mail_queue(to="bo@example.se", template="refund_confirmed", context={})
    OutboxMessage.objects.filter(pk=message.pk).update(state=OutboxMessage.State.FAILED)
    page = staff_client.get("/staff/mail/").content.decode()
    assert '<th scope="col">Syfte</th>' in page
    assert "<td>Återbetalning</td>" in page


class _Buffer:
    def __init__(self):
        self.parts: list[str] = []

    def write(self, text: str) -> None:
        self.parts.append(text)

    def flush(self) -> None:
        pass

    def lines(self) -> list[str]:
        return "".join(self.parts).splitlines()
