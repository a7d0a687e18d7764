"""Contact messages in the privacy machinery (issue 9, P17, P24, P26): the access export shows them
readable, erasure removes them, and the demo shows the contact queue and holiday mode."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from consonance.audit.services import SYSTEM
from consonance.contact.models import Message
from consonance.contact.services import message_receive
from consonance.people.models import Person
from consonance.privacy.models import HolidayPeriod
from consonance.rights.erasure import person_erase
from consonance.rights.export import person_export

pytestmark = pytest.mark.django_db(transaction=True)


def _message() -> Message:
    return message_receive(
        email="vide.ek@example.se",
        name="Vide Ek",
        body="Hej, har du tid en lördag?",
        language="sv",
        actor=SYSTEM,
    )


def test_the_access_export_shows_her_message_readable():
    message = _message()
    export = person_export(message.person)
    [category] = [c for c in export["categories"] if c["id"] == "messages"]
    texts = str(category["records"])
    assert "Hej, har du tid en lördag?" in texts
    assert "Vide Ek" in texts


def test_erasure_removes_her_messages():
    message = _message()
    person_erase(person=message.person, actor=SYSTEM, via="staff")
    assert not Message.objects.exists()
    assert not Person.objects.filter(email="vide.ek@example.se").exists()


def test_the_demo_shows_open_messages_and_a_holiday_once(staff_client, settings):
    settings.DEBUG = True  # the demo refuses to load in production
    call_command("demo")
    messages = Message.objects.count()
    assert messages >= 4
    assert HolidayPeriod.objects.count() == 1
    call_command("demo")
    assert Message.objects.count() == messages
    assert HolidayPeriod.objects.count() == 1
    html = staff_client.get("/staff/").content.decode()
    waiting = html.split('id="vantar"')[1].split("</section>")[0]
    assert "Lena" in waiting and "försenad" in waiting and "Semesterläge" in waiting
