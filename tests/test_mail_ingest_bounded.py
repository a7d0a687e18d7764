"""Bounded ingestion (issue 21, finding 8), against a real Dovecot: a message over
CONSONANCE_IMAP_MAX_MESSAGE is never downloaded but parked with a note naming its size, sender
and subject; bodies are fetched one message at a time; a poison message (no From, unparseable)
is parked with a note and never blocks a pass or its exit code."""

from __future__ import annotations

import json
from email.message import EmailMessage
from email.utils import make_msgid
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from imapclient import IMAPClient

from consonance.contact.models import Message as ContactMessage
from consonance.contact.selectors import conversation_messages
from consonance.journal.models import Note
from tests.dkim_keys import sign
from tests.factories import make_client, make_email_consultation

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("dkim_dns")]

CLIENT = "asa@example.se"
TOO_LARGE = "Consonance/För stora"
UNREADABLE = "Consonance/Kunde inte läsas"


def mail(subject: str, text: str, attachment: bytes = b"", sender: str = CLIENT) -> bytes:
    message = EmailMessage()
    message["From"] = f"Åsa Öberg <{sender}>"
    message["To"] = "coach@example.se"
    message["Subject"] = subject
    message["Message-ID"] = make_msgid()
    message.set_content(text)
    if attachment:
        message.add_attachment(attachment, maintype="image", subtype="jpeg", filename="bild.jpg")
    return sign(message.as_bytes())


def ingest() -> tuple[dict, int]:
    """`consonance mail ingest --json`: its counts and its exit code."""
    out = StringIO()
    code = 0
    try:
        call_command("mail", "ingest", "--json", stdout=out)
    except CommandError as error:
        code = error.returncode
    return json.loads(out.getvalue()), code


@pytest.fixture
def fetches(monkeypatch):
    """Every FETCH the ingestion sends: (uids, items)."""
    seen: list[tuple[list[int], list[str]]] = []
    real = IMAPClient.fetch

    def spy(self, messages, data, modifiers=None):
        seen.append((list(messages), [str(item) for item in data]))
        return real(self, messages, data, modifiers)

    monkeypatch.setattr(IMAPClient, "fetch", spy)
    return seen


def test_a_mail_over_the_cap_is_parked_unread_with_a_note_and_the_rest_flows(
    imap_server, settings, fetches, staff_client
):
    settings.CONSONANCE_IMAP_MAX_MESSAGE = 300_000
    consultation = make_email_consultation(make_client(CLIENT))
    imap_server.deliver(mail("Semesterbilder", "Här är bilderna.", b"\xff" * 400_000))
    for n in range(3):
        imap_server.deliver(mail(f"Fråga {n}", f"Text {n}."))

    counts, code = ingest()

    assert code == 0
    assert counts["parked"] == 1 and counts["filed"] == 3 and counts["errors"] == 0
    assert Note.objects.filter(consultation=consultation, kind="message_in").count() == 3
    assert imap_server.count("INBOX") == 0 and imap_server.count(TOO_LARGE) == 1
    note = ContactMessage.objects.get()
    body = conversation_messages(note.person)[0].body
    assert "Semesterbilder" in body and "för stort" in body and "0,5 MB" in body
    assert TOO_LARGE in body and "Här är bilderna" not in body
    # Never the whole of it, and never more than one message's body in one FETCH.
    bodies = [uids for uids, items in fetches if "BODY.PEEK[]" in items]
    assert len(bodies) == 3 and all(len(uids) == 1 for uids in bodies)
    overview = staff_client.get("/staff/").content.decode()
    assert "Mejl som inte lästes in" in overview and "0,5 MB" in overview
    assert TOO_LARGE in staff_client.get("/staff/mail/").content.decode()

    again, code = ingest()
    assert code == 0 and again["fetched"] == 0 and ContactMessage.objects.count() == 1


def test_a_poison_mail_is_parked_and_never_blocks_a_pass(imap_server, staff_client):
    consultation = make_email_consultation(make_client(CLIENT))
    no_sender = b"To: coach@example.se\r\nSubject: Utan avsandare\r\n\r\nVem skrev detta?\r\n"
    imap_server.deliver(no_sender)
    imap_server.deliver(mail("Fråga", "En vanlig fråga."))

    counts, code = ingest()

    assert code == 0
    assert counts["parked"] == 1 and counts["filed"] == 1 and counts["errors"] == 0
    assert imap_server.count(UNREADABLE) == 1 and imap_server.count("INBOX") == 0
    assert Note.objects.filter(consultation=consultation).count() == 1
    assert "kunde inte läsas" in staff_client.get("/staff/").content.decode()

    again, code = ingest()
    assert code == 0 and again["fetched"] == 0 and again["errors"] == 0


def test_a_crash_before_the_move_parks_it_next_time_without_a_second_note(
    imap_server, settings, monkeypatch
):
    settings.CONSONANCE_IMAP_MAX_MESSAGE = 50_000
    make_client(CLIENT)
    imap_server.deliver(mail("Stor", "Stor.", b"\x00" * 100_000))

    def killed(self, messages, folder):
        raise ConnectionResetError("killed")

    monkeypatch.setattr(IMAPClient, "move", killed)
    with pytest.raises(ConnectionResetError):
        call_command("mail", "ingest", "--json", stdout=StringIO())
    monkeypatch.undo()
    assert imap_server.count("INBOX") == 1 and ContactMessage.objects.count() == 1

    counts, code = ingest()
    assert code == 0 and counts["fetched"] == 0
    assert imap_server.count("INBOX") == 0 and imap_server.count(TOO_LARGE) == 1
    assert ContactMessage.objects.count() == 1


def test_the_coach_s_own_large_mail_in_sent_stays_there_unread(imap_server, settings, fetches):
    settings.CONSONANCE_IMAP_MAX_MESSAGE = 50_000
    make_client(CLIENT)
    imap_server.deliver(mail("Bilder till dig", "Bilderna.", b"\x00" * 100_000), folder="Sent")
    counts, code = ingest()
    assert code == 0 and counts["fetched"] == 1 and counts["parked"] == 0
    assert imap_server.count("Sent") == 1
    assert not [uids for uids, items in fetches if "BODY.PEEK[]" in items]
    again, _code = ingest()
    assert again["fetched"] == 0
