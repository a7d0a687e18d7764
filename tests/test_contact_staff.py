"""The coach's contact pages (issue 9, P17): read, reply by e-mail in her own voice, and the
conversation is deleted after the reply, unless she first moves what must be kept to the journal."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail

from consonance.audit.models import Event
from consonance.audit.services import SYSTEM
from consonance.contact.models import Message
from consonance.contact.services import message_receive
from consonance.journal.models import Note
from consonance.mail.outbox import mail_suppress
from consonance.people.keys import person_decrypt, person_key_destroy
from consonance.people.models import Person
from tests.factories import NOW

pytestmark = pytest.mark.django_db(transaction=True)


def _receive(email="disa.holm@example.se", text="Hej! Kan vi ses på tisdag?", hours_ago=0, **kw):
    return message_receive(
        email=email,
        name=kw.pop("name", "Disa Holm"),
        body=text,
        language=kw.pop("language", "sv"),
        actor=SYSTEM,
        received_at=NOW - dt.timedelta(hours=hours_ago),
        **kw,
    )


@pytest.fixture
def now():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def test_staff_pages_need_the_coach(client, db):
    _receive()
    response = client.get("/staff/contact/")
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/")


def test_the_queue_shows_each_conversation_against_its_48_hour_deadline(staff_client, now):
    _receive(hours_ago=1)
    _receive(email="olle.berg@example.se", name="Olle Berg", hours_ago=50)
    html = staff_client.get("/staff/contact/").content.decode()
    assert "Disa Holm" in html and "Olle Berg" in html
    # Olle wrote 50 hours ago: two hours past the deadline; Disa's is due in 47 hours.
    assert html.index("Olle Berg") < html.index("Disa Holm")
    # Now is 16 March 09:00 in Stockholm: Olle wrote 14 March 07:00, due 16 March 07:00.
    assert "16 mars 2026 07:00" in html
    assert "försenat" in html
    assert "18 mars 2026 08:00" in html


def test_reading_a_conversation_decrypts_it_and_is_audited(staff_client, now):
    message = _receive()
    response = staff_client.get(f"/staff/contact/{message.person_id}/")
    html = response.content.decode()
    assert "Hej! Kan vi ses på tisdag?" in html
    assert "disa.holm@example.se" in html
    event = Event.objects.get(action="contact.read")
    assert event.subject_id == message.person_id
    assert "tisdag" not in event.detail


def test_the_reply_goes_by_email_in_the_coachs_voice_and_the_conversation_is_deleted(
    staff_client, now
):
    first = _receive()
    second = _receive(text="Eller onsdag?")
    person = first.person
    mail.outbox.clear()
    response = staff_client.post(
        f"/staff/contact/{person.pk}/reply/",
        {"text": "Hej Disa!\n\nTisdag kl. 10 passar bra.\n\nMvh Anna", "upto": second.pk},
    )
    assert response.status_code == 302
    [sent] = [m for m in mail.outbox if m.to == ["disa.holm@example.se"]]
    assert "Svar på ditt meddelande" in sent.subject
    assert "Tisdag kl. 10 passar bra." in sent.body
    assert "Nu när jag har svarat raderar jag vårt samtal" in sent.body
    assert " vi " not in sent.body.replace("Tisdag", "")
    assert not Message.objects.filter(person=person).exists()
    event = Event.objects.get(action="contact.replied")
    assert event.subject_id == person.pk
    assert "Tisdag" not in event.detail
    # The reply itself leaves the outbox once sent (mail-purge, rule sent-email-after-sending).
    page = staff_client.get("/staff/contact/").content.decode()
    assert "Inga obesvarade meddelanden." in page


def test_an_english_writer_gets_the_frame_of_the_reply_in_english(staff_client, now):
    message = _receive(email="amy.lee@example.com", name="Amy Lee", language="en")
    staff_client.post(
        f"/staff/contact/{message.person_id}/reply/", {"text": "Hi Amy!", "upto": message.pk}
    )
    [sent] = [m for m in mail.outbox if m.to == ["amy.lee@example.com"]]
    assert sent.subject.startswith("Reply to your message")
    assert "Now that I have replied, I delete our conversation" in sent.body


def test_a_message_that_arrives_while_she_writes_stays_open(staff_client, now):
    shown = _receive()
    late = _receive(text="PS: jag glömde en sak.")
    staff_client.post(
        f"/staff/contact/{shown.person_id}/reply/", {"text": "Hej!", "upto": shown.pk}
    )
    assert list(Message.objects.values_list("pk", flat=True)) == [late.pk]


def test_an_empty_reply_sends_nothing_and_deletes_nothing(staff_client, now):
    message = _receive()
    mail.outbox.clear()
    response = staff_client.post(
        f"/staff/contact/{message.person_id}/reply/", {"text": "  ", "upto": message.pk}
    )
    assert response.status_code == 302
    assert Message.objects.filter(pk=message.pk).exists()
    assert not [m for m in mail.outbox if m.to == ["disa.holm@example.se"]]


def test_what_must_be_kept_moves_to_the_journal_before_the_reply(staff_client, now):
    message = _receive(text="Jag sover dåligt sedan i somras. Kan vi prata om det?")
    person = message.person
    response = staff_client.post(
        f"/staff/contact/messages/{message.pk}/journal/",
        {f"{message.pk}-text": "Sover dåligt sedan i somras."},
    )
    assert response.status_code == 302
    note = Note.objects.get(person=person)
    assert person_decrypt(person, note.body_ciphertext, context="note") == (
        "Sover dåligt sedan i somras."
    )
    assert Message.objects.get(pk=message.pk).moved_to_journal_at is not None
    assert Event.objects.filter(action="contact.moved_to_journal", subject_id=person.pk).exists()
    staff_client.post(f"/staff/contact/{person.pk}/reply/", {"text": "Hej!", "upto": message.pk})
    assert not Message.objects.exists()
    assert Note.objects.filter(person=person).count() == 1  # the journal keeps it


def test_a_conversation_marked_handled_is_deleted_without_a_reply(staff_client, now):
    message = _receive()
    mail.outbox.clear()
    staff_client.post(f"/staff/contact/{message.person_id}/handled/", {"upto": message.pk})
    assert not Message.objects.exists()
    assert not [m for m in mail.outbox if m.to == ["disa.holm@example.se"]]
    assert Event.objects.filter(action="contact.deleted").exists()


def test_unknown_or_malformed_ids_get_4xx(staff_client, now):
    assert staff_client.get("/staff/contact/999999/").status_code == 404
    assert staff_client.post("/staff/contact/999999/reply/", {"text": "x"}).status_code == 404
    assert staff_client.get("/staff/contact/abc/").status_code == 404
    assert staff_client.post("/staff/contact/messages/1/journal/", {}).status_code == 404


def test_after_erasure_the_message_cannot_be_read(staff_client, now):
    message = _receive()
    person_key_destroy(person=Person.objects.get(pk=message.person_id), actor=SYSTEM)
    html = staff_client.get(f"/staff/contact/{message.person_id}/").content.decode()
    assert "Hej! Kan vi ses" not in html
    assert "kan inte läsas" in html


def test_the_staff_home_lists_open_messages_against_their_deadline(staff_client, now):
    message = _receive(hours_ago=50)
    html = staff_client.get("/staff/").content.decode()
    waiting = html.split('id="vantar"')[1].split("</section>")[0]
    assert "Meddelande att besvara" in waiting
    assert f'href="/staff/contact/{message.person_id}/"' in waiting
    # A first name only (the overview may be on a shared screen), leading to her client card.
    assert f'href="/staff/web/clients/{message.person_id}/">Disa<' in waiting
    assert "Holm" not in waiting
    assert "försenad" in waiting


def test_the_staff_home_shows_the_50_most_urgent_and_links_to_the_rest(staff_client, now):
    people = [
        _receive(email=f"p{n}@example.se", name=f"Person {n}", hours_ago=n).person_id
        for n in range(51)
    ]
    html = staff_client.get("/staff/").content.decode()
    assert "De 50 mest brådskande visas." in html
    # The oldest first: the newest message is the one left out.
    assert f"/staff/contact/{people[50]}/" in html and f"/staff/contact/{people[0]}/" not in html
    # 50 rows, the link to the whole queue and the menu item.
    assert html.count('href="/staff/contact/') == 52


def test_a_reply_to_a_suppressed_address_is_not_sent_and_nothing_is_deleted(staff_client, now):
    message = _receive()
    mail_suppress(email="disa.holm@example.se", reason="manual")
    mail.outbox.clear()
    response = staff_client.post(
        f"/staff/contact/{message.person_id}/reply/", {"text": "Hej!", "upto": message.pk}
    )
    assert response.status_code == 302
    assert Message.objects.filter(pk=message.pk).exists()
    assert not mail.outbox
    page = staff_client.get(response["Location"]).content.decode()
    assert "Svaret skickades inte och samtalet finns kvar." in page
