"""Inbound mail proves its sender before it is filed as a client's (issue 21, finding 1): real
DKIM-signed and forged messages delivered into Dovecot and read by `consonance mail ingest`.

Her consultation takes a message only when a DKIM signature of her From domain (or a parent of
it) verifies, or when it carries the reply token of her consultation that the site's mails put in
their subject. Anything else goes to the contact queue marked "avsändaren kunde inte bekräftas".
"""

from __future__ import annotations

import contextlib
import json
from email.message import EmailMessage
from email.utils import make_msgid
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from consonance.contact.models import Message as ContactMessage
from consonance.journal.models import Note
from consonance.mail.models import OutboxMessage
from tests.dkim_keys import sign
from tests.factories import make_client, make_email_consultation

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("dkim_dns")]

CLIENT = "asa@example.se"
MARK = "avsändaren kunde inte bekräftas"


def message(sender: str, subject: str = "Fråga", text: str = "Hur gör jag nu?") -> bytes:
    mail = EmailMessage()
    mail["From"] = f"Åsa Öberg <{sender}>"
    mail["To"] = "coach@example.se"
    mail["Subject"] = subject
    mail["Message-ID"] = make_msgid()
    mail["Date"] = "Mon, 16 Mar 2026 09:00:00 +0100"
    mail.set_content(text)
    return mail.as_bytes()


def ingest() -> dict:
    out = StringIO()
    with contextlib.suppress(CommandError):
        call_command("mail", "ingest", "--json", stdout=out)
    return json.loads(out.getvalue())


def filed_in(consultation) -> int:
    return Note.objects.filter(consultation=consultation, kind=Note.Kind.MESSAGE_IN).count()


def subject_token(consultation) -> str:
    """The reply token as the site's mail to her carries it in its subject."""
    opened = OutboxMessage.objects.get(
        template="journal_consultation_opened", person=consultation.person
    )
    return opened.subject[opened.subject.index("[#") :]


def test_a_forged_from_goes_to_the_contact_queue_marked_never_into_her_journal(
    imap_server, staff_client
):
    consultation = make_email_consultation(make_client(CLIENT))
    last_contact = type(consultation.person).objects.get(pk=consultation.person_id).last_contact_at
    imap_server.deliver(message(CLIENT, text="Jag vill avsluta allt, skicka mina papper hit."))
    counts = ingest()
    assert counts["filed"] == 0 and counts["to_contact_queue"] == 1 and counts["errors"] == 0
    assert filed_in(consultation) == 0
    queued = ContactMessage.objects.get()
    assert queued.sender_unverified and queued.person_id == consultation.person_id
    # A stranger's mail in her name keeps none of her data longer (finding 11).
    queued.person.refresh_from_db()
    assert queued.person.last_contact_at == last_contact
    page = staff_client.get(f"/staff/contact/{consultation.person_id}/").content.decode()
    assert MARK in page and "skicka mina papper" in page
    assert imap_server.count("INBOX") == 0


def test_a_signature_of_another_domain_proves_nothing_about_her_address(imap_server):
    consultation = make_email_consultation(make_client(CLIENT))
    # The attacker's own mail server signs perfectly, for its own domain.
    imap_server.deliver(sign(message(CLIENT), domain="angripare.example"))
    assert ingest()["to_contact_queue"] == 1
    assert filed_in(consultation) == 0
    assert ContactMessage.objects.get().sender_unverified


def test_a_signed_message_altered_on_the_way_proves_nothing(imap_server):
    consultation = make_email_consultation(make_client(CLIENT))
    signed = sign(message(CLIENT, text="Tack, det gick bra."))
    imap_server.deliver(signed.replace(b"Tack, det gick bra.", b"Tack, ring mig nu."))
    assert ingest()["to_contact_queue"] == 1
    assert filed_in(consultation) == 0


@pytest.mark.parametrize("address", [CLIENT, "asa@post.example.se"])
def test_a_message_signed_by_her_domain_or_its_parent_goes_into_her_consultation(
    imap_server, address
):
    consultation = make_email_consultation(make_client(address))
    imap_server.deliver(sign(message(address), domain="example.se"))
    counts = ingest()
    assert counts["filed"] == 1 and counts["to_contact_queue"] == 0
    assert filed_in(consultation) == 1
    assert not ContactMessage.objects.exists()


def test_a_reply_with_her_token_but_no_signature_goes_into_her_consultation(imap_server):
    consultation = make_email_consultation(make_client(CLIENT))
    token = subject_token(consultation)
    assert token.startswith("[#K-")
    imap_server.deliver(message(CLIENT, subject=f"Re: Din mejlkonsultation har börjat {token}"))
    assert ingest()["filed"] == 1
    assert filed_in(consultation) == 1
    # The coach's answer notice carries it too, and her answer to that counts the same.
    notice = OutboxMessage.objects.filter(template="journal_consultation_opened").get()
    assert token in notice.subject


def test_a_token_of_another_consultation_or_a_made_up_one_is_not_hers(imap_server):
    hers = make_email_consultation(make_client(CLIENT))
    his = make_email_consultation(make_client("bertil@example.org", "Bertil", "Berg"))
    token = subject_token(his)
    imap_server.deliver(message(CLIENT, subject=f"Re: Hej {token}"))
    forged = token[:-3] + ("AAA]" if not token.endswith("AAA]") else "BBB]")
    imap_server.deliver(message(CLIENT, subject=f"Re: Hej {forged}"))
    made_up = f"[#K-{hers.pk}-ABCDEFGHIJKLMNOP]"
    imap_server.deliver(message(CLIENT, subject=f"Re: Hej {made_up}"))
    counts = ingest()
    assert counts["filed"] == 0 and counts["to_contact_queue"] == 3
    assert filed_in(hers) == 0 and filed_in(his) == 0
    assert ContactMessage.objects.filter(sender_unverified=True).count() == 3


def test_when_dns_fails_her_signed_mail_waits_in_the_contact_queue_not_parked(
    imap_server, settings
):
    consultation = make_email_consultation(make_client(CLIENT))

    def unreachable(name, timeout=5):
        raise OSError("network unreachable")

    settings.CONSONANCE_DKIM_DNSFUNC = unreachable
    imap_server.deliver(sign(message(CLIENT)))
    counts = ingest()
    assert counts["to_contact_queue"] == 1 and counts["parked"] == 0 and counts["errors"] == 0
    assert filed_in(consultation) == 0 and ContactMessage.objects.get().sender_unverified
