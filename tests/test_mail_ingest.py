"""Ingestion of the coach's mailbox against a real Dovecot on loopback (P16, P17): filed exactly
once, nothing lost across crashes and a UIDVALIDITY change, inbox, Trash and Sent left clean."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
from email.message import EmailMessage
from email.utils import make_msgid
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from imapclient import IMAPClient

from consonance.contact.models import Message as ContactMessage
from consonance.journal.models import Note, NoteAttachment
from consonance.journal.selectors import note_text
from consonance.mail import ingest
from consonance.mail.models import IngestedMessage
from tests.conftest import REPO
from tests.dkim_keys import DNSFUNC, sign
from tests.factories import make_client, make_email_consultation
from tests.imap_server import PASSWORD, USER

# Her mail server signs her mail (DKIM): what proves it is hers (issue 21, test_mail_sender.py).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("dkim_dns")]

CLIENT = "asa@example.se"


def latin1_message(msgid: str) -> bytes:
    """A Swedish message as an old mail program sends it: ISO-8859-1, quoted-printable,
    an RFC 2047 encoded subject."""
    body = (
        "Hej!\r\nJag har gjort övningen och mår bättre. Tack för svaret i förra veckan.\r\nÅsa\r\n"
    )
    headers = (
        f"From: =?iso-8859-1?q?=C5sa_=D6berg?= <{CLIENT}>\r\n"
        "To: coach@example.se\r\n"
        "Subject: =?iso-8859-1?q?Fr=E5ga_om_=F6vningen?=\r\n"
        f"Message-ID: {msgid}\r\n"
        "Date: Mon, 16 Mar 2026 09:00:00 +0100\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=iso-8859-1\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    ).encode("ascii")
    encoded = body.encode("iso-8859-1")
    for char, escape in ((b"\xf6", b"=F6"), (b"\xe5", b"=E5"), (b"\xc5", b"=C5")):
        encoded = encoded.replace(char, escape)
    return sign(headers + encoded)


def html_message(sender: str = CLIENT) -> bytes:
    message = EmailMessage()
    message["From"] = f"Åsa Öberg <{sender}>"
    message["To"] = "coach@example.se"
    message["Subject"] = "Andra veckan"
    message["Message-ID"] = make_msgid()
    message.set_content(
        "<p>Jag sover <b>bättre</b> nu.</p><script>alert('x')</script><p>Hälsningar</p>",
        subtype="html",
    )
    return sign(message.as_bytes())


def with_attachments(small: bytes, big: bytes) -> bytes:
    message = EmailMessage()
    message["From"] = CLIENT
    message["To"] = "coach@example.se"
    message["Subject"] = "Dagboken"
    message["Message-ID"] = make_msgid()
    message.set_content("Här är min dagbok, och ett stort foto.")
    message.add_attachment(small, maintype="application", subtype="pdf", filename="dagbok.pdf")
    message.add_attachment(big, maintype="image", subtype="jpeg", filename="foto.jpg")
    return sign(message.as_bytes())


def plain(sender: str, to: str, subject: str, text: str, **headers: str) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = headers.pop("message_id", make_msgid())
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(text)
    return sign(message.as_bytes()) if sender == CLIENT else message.as_bytes()


def run_json() -> dict:
    out = StringIO()
    with contextlib.suppress(CommandError):
        call_command("mail", "ingest", "--json", stdout=out)
    return json.loads(out.getvalue())


def texts(kind: str) -> list[str]:
    return [note_text(n) or "" for n in Note.objects.filter(kind=kind).order_by("pk")]


def test_one_pass_files_swedish_html_attachments_unknown_senders_and_replies(imap_server, settings):
    settings.CONSONANCE_IMAP_MAX_ATTACHMENT = 10_000
    consultation = make_email_consultation(make_client(CLIENT))
    first_id = make_msgid()
    imap_server.deliver(latin1_message(first_id))
    imap_server.deliver(html_message())
    imap_server.deliver(with_attachments(b"%PDF-1.4 small", b"x" * 20_000))
    imap_server.deliver(plain("okand@example.org", "coach@example.se", "Fråga", "Har du tid?"))
    imap_server.deliver(
        plain(
            "coach@example.se",
            CLIENT,
            "Re: Fråga om övningen",
            "Vad fint att höra, Åsa!",
            In_Reply_To=first_id,
        ),
        folder="Sent",
    )
    imap_server.deliver(
        plain("coach@example.se", "revisor@example.se", "Bokslut", "Bifogar underlag."),
        folder="Sent",
    )

    counts = run_json()

    assert counts == {
        "fetched": 6,
        "filed": 4,
        "duplicates": 0,
        "deleted": 5,
        "to_contact_queue": 1,
        "own": 0,
        "parked": 0,
        "errors": 0,
    }
    incoming = texts(Note.Kind.MESSAGE_IN)
    assert incoming[0].startswith(
        "Fråga om övningen\n\nHej!\nJag har gjort övningen och mår bättre"
    )
    assert "Jag sover bättre nu." in incoming[1] and "alert" not in incoming[1]
    assert "<b>" not in incoming[1]
    assert incoming[2].startswith("Dagboken")
    assert NoteAttachment.objects.count() == 1
    refused = texts(Note.Kind.NOTE)
    assert len(refused) == 1 and "foto.jpg" in refused[0]
    assert texts(Note.Kind.MESSAGE_OUT) == ["Re: Fråga om övningen\n\nVad fint att höra, Åsa!"]
    assert Note.objects.filter(consultation=consultation).count() == 5
    assert ContactMessage.objects.filter(person__email="okand@example.org").count() == 1
    assert imap_server.count("INBOX") == 0
    assert imap_server.count("Trash") == 0
    assert imap_server.count("Sent") == 1  # her other mail stays where it was

    again = run_json()
    assert again == {
        "fetched": 0,
        "filed": 0,
        "duplicates": 0,
        "deleted": 0,
        "to_contact_queue": 0,
        "own": 0,
        "parked": 0,
        "errors": 0,
    }
    assert Note.objects.count() == 5


def test_the_trash_keeps_what_the_coach_herself_deleted(imap_server):
    make_email_consultation(make_client(CLIENT))
    imap_server.deliver(plain("vän@example.org", "coach@example.se", "Middag", "Ses!"), "Trash")
    imap_server.deliver(plain(CLIENT, "coach@example.se", "Hej", "En fråga till."))
    assert run_json()["filed"] == 1
    assert imap_server.count("Trash") == 1


def test_a_crash_between_commit_and_expunge_loses_nothing_and_files_nothing_twice(
    imap_server, monkeypatch
):
    make_email_consultation(make_client(CLIENT))
    for n in range(3):
        imap_server.deliver(plain(CLIENT, "coach@example.se", f"Nummer {n}", f"Text {n}."))

    def killed(self, messages, folder):
        raise ConnectionResetError("killed")

    monkeypatch.setattr(IMAPClient, "move", killed)
    with pytest.raises(ConnectionResetError):
        ingest.ingest_once()
    assert Note.objects.filter(kind=Note.Kind.MESSAGE_IN).count() == 3
    assert imap_server.count("INBOX") == 3  # committed, not yet moved

    monkeypatch.undo()
    counts = ingest.ingest_once().as_dict()
    assert counts["fetched"] == 0 and counts["filed"] == 0 and counts["deleted"] == 3
    assert Note.objects.filter(kind=Note.Kind.MESSAGE_IN).count() == 3
    assert imap_server.count("INBOX") == 0 and imap_server.count("Trash") == 0


def test_a_crash_between_move_and_expunge_is_cleaned_up_next_time(imap_server, monkeypatch):
    make_email_consultation(make_client(CLIENT))
    imap_server.deliver(plain(CLIENT, "coach@example.se", "Hej", "Text."))
    calls = {"n": 0}
    real = ingest.purge_trash

    def killed_on_second(client, trash):
        calls["n"] += 1
        if calls["n"] == 2:
            raise ConnectionResetError("killed")
        return real(client, trash)

    monkeypatch.setattr(ingest, "purge_trash", killed_on_second)
    with pytest.raises(ConnectionResetError):
        ingest.ingest_once()
    assert imap_server.count("INBOX") == 0 and imap_server.count("Trash") == 1

    monkeypatch.undo()
    counts = ingest.ingest_once().as_dict()
    assert counts["filed"] == 0
    assert imap_server.count("Trash") == 0
    assert Note.objects.filter(kind=Note.Kind.MESSAGE_IN).count() == 1


def test_a_uidvalidity_change_reimports_nothing_and_loses_nothing(
    imap_server, settings, monkeypatch
):
    settings.CONSONANCE_IMAP_FOLDERS = {"inbox": "Klienter"}
    make_email_consultation(make_client(CLIENT))
    raws = [plain(CLIENT, "coach@example.se", f"Nr {n}", f"Text {n}.") for n in range(2)]
    with imap_server.client() as client:
        client.create_folder("Klienter")
        for raw in raws:
            client.append("Klienter", raw)
        before = client.select_folder("Klienter")[b"UIDVALIDITY"]

    monkeypatch.setattr(IMAPClient, "move", lambda self, m, f: (_ for _ in ()).throw(OSError()))
    with pytest.raises(OSError):
        ingest.ingest_once()
    monkeypatch.undo()
    # The folder is deleted and made again (a server migration, a restore): new UIDVALIDITY,
    # the same messages, and one new one.
    new = plain(CLIENT, "coach@example.se", "Nr 3", "Ny text.")
    with imap_server.client() as client:
        client.delete_folder("Klienter")
        client.create_folder("Klienter")
        for raw in [*raws, new]:
            client.append("Klienter", raw)
        after = client.select_folder("Klienter")[b"UIDVALIDITY"]
    assert after != before

    counts = ingest.ingest_once().as_dict()
    assert counts["duplicates"] == 2 and counts["filed"] == 1 and counts["deleted"] == 3
    assert sorted(texts(Note.Kind.MESSAGE_IN)) == [
        "Nr 0\n\nText 0.",
        "Nr 1\n\nText 1.",
        "Nr 3\n\nNy text.",
    ]
    assert imap_server.count("Klienter") == 0 and imap_server.count("Trash") == 0
    assert IngestedMessage.objects.filter(folder="Klienter").count() == 5


def test_the_site_s_own_reply_notice_in_sent_is_recognised_by_message_id(imap_server, staff_client):
    consultation = make_email_consultation(make_client(CLIENT))
    imap_server.deliver(plain(CLIENT, "coach@example.se", "Hej", "Fråga."))
    ingest.ingest_once()
    staff_client.post(f"/staff/journal/consultations/{consultation.pk}/", {"body": "Svar."})
    reply = Note.objects.get(kind=Note.Kind.MESSAGE_OUT)
    assert reply.message_id
    # Gmail keeps a copy of what the site sent through its SMTP server in Sent:
    imap_server.deliver(
        plain("coach@example.se", CLIENT, "Svar", "Länk.", message_id=reply.message_id), "Sent"
    )
    counts = ingest.ingest_once().as_dict()
    assert counts["duplicates"] == 1 and counts["filed"] == 0
    assert imap_server.count("Sent") == 0
    assert Note.objects.filter(kind=Note.Kind.MESSAGE_OUT).count() == 1


def test_no_address_subject_or_text_reaches_the_logs(imap_server, caplog):
    make_email_consultation(make_client(CLIENT))
    imap_server.deliver(latin1_message(make_msgid()))
    imap_server.deliver(plain("okand@example.org", "coach@example.se", "Hemligt", "Hemlig text"))
    imap_server.deliver(b"not really a message at all")
    with caplog.at_level(logging.DEBUG):
        ingest.ingest_once()
    for secret in (CLIENT, "okand@example.org", "Hemligt", "Hemlig text", "övningen"):
        assert secret not in caplog.text


def test_a_wrong_password_exits_non_zero_with_a_clear_message(imap_server, settings):
    settings.CONSONANCE_IMAP_PASSWORD = "wrong"
    with pytest.raises(CommandError) as error:
        call_command("mail", "ingest", "--json")
    assert "cannot sign in" in str(error.value)
    assert error.value.returncode == 2


KILLED_RUN = """
import os, signal
import django
django.setup()
from imapclient import IMAPClient
# SIGKILL the process at the moment it would move the committed messages to Trash.
IMAPClient.move = lambda *args, **kwargs: os.kill(os.getpid(), signal.SIGKILL)
from django.conf import settings
settings.CONSONANCE_DKIM_DNSFUNC = os.environ["DKIM_DNSFUNC"]
from consonance.mail.ingest import ingest_once
ingest_once()
"""


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_between_commit_and_expunge_loses_nothing_and_files_nothing_twice(
    imap_server,
):
    make_email_consultation(make_client(CLIENT))
    for n in range(3):
        imap_server.deliver(plain(CLIENT, "coach@example.se", f"Nummer {n}", f"Text {n}."))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "consonance.test_settings",
        "DATABASE_URL": _database_url(),
        "CONSONANCE_IMAP_HOST": "127.0.0.1",
        "CONSONANCE_IMAP_PORT": str(imap_server.port),
        "CONSONANCE_IMAP_USER": USER,
        "CONSONANCE_IMAP_PASSWORD": PASSWORD,
        "CONSONANCE_IMAP_SECURITY": "none",
        "DKIM_DNSFUNC": DNSFUNC,
    }
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_RUN], env=env, cwd=REPO, capture_output=True, timeout=60
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr.decode()[-2000:]
    assert Note.objects.filter(kind=Note.Kind.MESSAGE_IN).count() == 3  # committed
    assert imap_server.count("INBOX") == 3  # not moved

    counts = ingest.ingest_once().as_dict()
    assert counts["fetched"] == 0 and counts["filed"] == 0 and counts["deleted"] == 3
    assert Note.objects.filter(kind=Note.Kind.MESSAGE_IN).count() == 3
    assert imap_server.count("INBOX") == 0 and imap_server.count("Trash") == 0
