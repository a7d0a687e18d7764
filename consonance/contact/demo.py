"""Demo part of contact: open conversations — a fresh one, one from a known client, one in
English, one past its 48-hour deadline and an e-mail whose sender could not be confirmed — for the
staff pages and the overview."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from consonance.audit.services import SYSTEM
from consonance.contact.models import Message
from consonance.contact.services import message_receive

MESSAGES = [
    # email, name, language, hours ago, text
    (
        "lena.ek@example.se",
        "Lena Ek",
        "sv",
        2,
        "Hej! Jag undrar om du har tider på kvällar, efter klockan 18? Vänliga hälsningar, Lena",
    ),
    (
        "johan.berg@example.se",
        "Johan Berg",
        "sv",
        20,
        "Hej, jag behöver flytta min tid nästa vecka. Går det att byta till fredag?",
    ),
    (
        "maria.santos@example.com",
        "Maria Santos",
        "en",
        30,
        "Hello, do you also hold consultations in English? Best wishes, Maria",
    ),
    (
        "oskar.lund@example.se",
        "Oskar Lund",
        "sv",
        60,
        "Hej! Kan man betala med faktura om man bokar flera samtal?",
    ),
    (
        "sofia.wall@example.se",
        "Sofia Wall",
        "sv",
        5,
        "Hej, jag skickar det här från min mejl. Kan jag få min journal?",
    ),
]
# Came by e-mail without a DKIM signature of its domain: marked "avsändaren kunde inte bekräftas".
UNVERIFIED = {"sofia.wall@example.se"}


def load(out) -> None:
    now = timezone.now()
    added = 0
    for email, name, language, hours, text in MESSAGES:
        if Message.objects.filter(person__email=email).exists():
            continue
        message = message_receive(
            email=email,
            name=name,
            body=text,
            language=language,
            actor=SYSTEM,
            received_at=now - dt.timedelta(hours=hours),
        )
        if email in UNVERIFIED:
            Message.objects.filter(pk=message.pk).update(
                source=Message.Source.EMAIL, sender_unverified=True
            )
        added += 1
    out.write(f"contact: {added} open messages added")
