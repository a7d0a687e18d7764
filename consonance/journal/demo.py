"""Demo part of the journal: a client with signed, corrected and open notes, and an e-mail
consultation with one exchange done and her next message waiting for a reply; another client's
e-mail consultation completed (three replies of three, its booking completed too) with a mail
she sent afterwards waiting on the overview (idempotent)."""

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
COMPLETED_CLIENT = ("karin.holm@example.se", "Karin", "Holm")
COMPLETED_EXCHANGE = (
    ("Hej! Jag har svårt att komma igång på morgnarna sedan jag bytte jobb.", "Vad är det "
     "första du gör när du vaknar? Pröva att lägga telefonen i ett annat rum i en vecka."),
    ("Telefonen i hallen hjälpte! Men jag är fortfarande trött vid lunch.", "Bra! Lägg märke "
     "till vad du äter och när; skriv ner det några dagar."),
    ("Jag äter sent och snabbt. Jag ska pröva en riktig lunchpaus.", "Det låter som en bra "
     "plan. Lycka till, och tack för de här veckorna!"),
)  # fmt: skip


def _completed_consultation(service: Service) -> Consultation:
    """Three replies of three: the consultation and its booking completed; a late mail waits."""
    person, _ = person_get_or_create(
        email=COMPLETED_CLIENT[0],
        first_name=COMPLETED_CLIENT[1],
        last_name=COMPLETED_CLIENT[2],
        actor=SYSTEM,
    )
    found = Consultation.objects.filter(person=person).first()
    if found is not None:
        return found
    now = timezone.now()
    booking = Booking.objects.create(
        service=service,
        person=person,
        state=Booking.State.CONFIRMED,
        confirmed_at=now - timedelta(days=12),
    )
    booking_hooks.booking_confirmed.emit(booking)
    consultation = Consultation.objects.get(booking=booking)
    for question, answer in COMPLETED_EXCHANGE:
        message_receive(
            consultation=consultation, body=question, actor=f"person:{person.pk}", source="web"
        )
        reply_send(consultation=consultation, body=answer, actor=SYSTEM)
    message_receive(  # by e-mail, after the last reply: on the coach's overview, never lost
        consultation=consultation,
        body="Re: Mitt svar\n\nTack! En sista fråga: får jag höra av mig igen om en månad?",
        actor=SYSTEM,
        source="email",
    )
    return consultation


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
    completed = _completed_consultation(service)
    url = absolute_reverse("journal:consultation", consultation_token(consultation))
    out.write(
        f"Journal: http://127.0.0.1:8000/staff/journal/clients/{person.pk}/ (notes, versions, "
        f"access log); Åsa Lind's e-mail consultation: {url}; Karin Holm's completed one, with "
        f"a late mail waiting: /staff/journal/consultations/{completed.pk}/\n"
    )
