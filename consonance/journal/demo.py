"""Demo part of the journal: a client with signed, corrected and open notes, and an e-mail
consultation with one exchange done and her next message waiting for a reply (idempotent)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from consonance.audit.services import SYSTEM
from consonance.booking import hooks as booking_hooks
from consonance.booking.demo import EMAIL
from consonance.booking.models import Booking, Service
from consonance.journal.consultations import consultation_token, message_receive, reply_send
from consonance.journal.models import Consultation, ConsultationTerms
from consonance.journal.services import note_correct, note_create, note_sign
from consonance.lib.urls import absolute_reverse
from consonance.people.services import person_get_or_create

CLIENT = ("asa.lind@example.se", "Åsa", "Lind")


def load(out) -> None:
    service, _ = Service.objects.get_or_create(
        name_sv="E-postkonsultation, tre svar", defaults=EMAIL
    )
    ConsultationTerms.objects.get_or_create(service=service, defaults={"exchanges": 3, "days": 28})
    person, _ = person_get_or_create(
        email=CLIENT[0], first_name=CLIENT[1], last_name=CLIENT[2], actor=SYSTEM
    )
    consultation = Consultation.objects.filter(person=person).first()
    if consultation is None:
        now = timezone.now()
        first = note_create(
            person=person,
            body="Första samtalet: stress på jobbet, sover dåligt. Mål: tydligare gränser.",
            actor=SYSTEM,
            created_at=now - timedelta(days=20),
        )
        note_sign(note_id=first.pk, actor=SYSTEM)
        note_correct(
            note_id=first.pk,
            body="Första samtalet: stress på jobbet, sover oroligt. Mål: tydligare gränser mot chefen.",
            actor=SYSTEM,
        )
        note_create(person=person, body="Att ta upp: hur gick samtalet med chefen?", actor=SYSTEM)
        booking = Booking.objects.create(
            service=service, person=person, state=Booking.State.CONFIRMED, confirmed_at=now
        )
        booking_hooks.booking_confirmed.emit(booking)
        consultation = Consultation.objects.get(booking=booking)
        message_receive(
            consultation=consultation,
            body="Hej! Jag har provat att säga nej till extrauppdrag. Det kändes svårt men bra.",
            actor=f"person:{person.pk}",
            source="web",
        )
        reply_send(
            consultation=consultation,
            body="Vad modigt! Lägg märke till hur kroppen reagerar nästa gång du säger nej.",
            actor=SYSTEM,
        )
        message_receive(
            consultation=consultation,
            body="Jag märkte att axlarna slappnade av efteråt. Hur går jag vidare?",
            actor=f"person:{person.pk}",
            source="web",
        )
    url = absolute_reverse("journal:consultation", consultation_token(consultation))
    out.write(
        f"Journal: http://127.0.0.1:8000/staff/journal/klient/{person.pk}/ (notes, versions, "
        f"access log); Åsa Lind's e-mail consultation: {url}"
    )
