"""The coach's own notices are never ingested (issue 17): every mail the site sends carries an
X-Consonance-Mail header bound to its Message-ID; one in the mailbox that carries a genuine one
and comes from the site's own address is removed like handled mail, never filed. The settings
warn when the notices go to the mailbox the worker reads."""

from __future__ import annotations

from email import message_from_bytes
from email.utils import make_msgid

import pytest
from django.core import mail
from django.core.checks import run_checks

from consonance.contact.models import Message as ContactMessage
from consonance.journal.models import Note
from consonance.mail import ingest
from consonance.mail.models import IngestedMessage
from consonance.mail.outbox import mail_queue
from consonance.mail.sender import SITE_MARK
from tests.imap_server import USER

pytestmark = pytest.mark.django_db(transaction=True)
PRACTICE = "praktik@example.se"


@pytest.fixture
def same_mailbox(settings, imap_server):
    """The README's defaults: notices to the practice address, the reader on that mailbox."""
    settings.DEFAULT_FROM_EMAIL = f"Consonance <{PRACTICE}>"
    settings.CONSONANCE_STAFF_EMAIL = PRACTICE
    settings.CONSONANCE_IMAP_USER = USER
    return imap_server


def coach_notice() -> bytes:
    """A notice to the coach as the outbox sends it (bytes on the wire)."""
    mail_queue(
        to=PRACTICE,
        template="coach_booking",
        context={"event": "paid", "first_name": "Åsa", "service_name": "Mejlkonsultation"},
    )
    return mail.outbox[-1].message().as_bytes()


def test_every_mail_the_site_sends_carries_its_mark():
    raw = coach_notice()
    headers = message_from_bytes(raw)
    assert headers[SITE_MARK].startswith("v1 ")


def test_her_own_notice_in_the_mailbox_is_removed_without_filing(same_mailbox):
    same_mailbox.deliver(coach_notice())
    stats = ingest.ingest_once()
    assert stats.own == 1 and stats.filed == 0 and stats.to_contact_queue == 0
    assert IngestedMessage.objects.get().outcome == "own"
    assert not ContactMessage.objects.exists() and not Note.objects.exists()
    assert same_mailbox.count("INBOX") == 0 and same_mailbox.count("Trash") == 0


def test_a_copied_mark_on_another_message_is_not_believed(same_mailbox):
    raw = coach_notice()
    forged = raw.replace(
        message_from_bytes(raw)["Message-ID"].encode(), make_msgid(domain="example.se").encode()
    )
    same_mailbox.deliver(forged)
    stats = ingest.ingest_once()
    assert stats.own == 0 and stats.to_contact_queue == 1


def test_settings_warn_when_notices_go_to_the_ingested_mailbox(settings, staff_client):
    settings.CONSONANCE_IMAP_HOST = "imap.example.se"
    settings.CONSONANCE_IMAP_USER = PRACTICE
    settings.CONSONANCE_STAFF_EMAIL = PRACTICE
    assert "consonance.W035" in {m.id for m in run_checks()}
    page = staff_client.get("/staff/mail/").content.decode()
    assert 'id="notices-ingested"' in page and "en annan adress till dig" in page
    settings.CONSONANCE_STAFF_EMAIL = "asa.privat@example.se"
    assert "consonance.W035" not in {m.id for m in run_checks()}
    assert 'id="notices-ingested"' not in staff_client.get("/staff/mail/").content.decode()
