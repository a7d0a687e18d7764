"""Clients and e-mail consultations of the journal."""

from __future__ import annotations

from django.utils import timezone

from consonance.booking import hooks as booking_hooks
from consonance.booking.models import Booking
from consonance.journal.models import Consultation, ConsultationTerms
from consonance.people.models import Person
from tests.factories.booking import make_practice

# -- journal and e-mail consultations (issue 9) ------------------------------------------------


def make_client(email: str = "asa@example.se", first: str = "Åsa", last: str = "Öberg"):
    person, _ = Person.objects.get_or_create(
        email=email, defaults={"first_name": first, "last_name": last}
    )
    return person


def make_email_consultation(person=None, *, exchanges: int = 3, days: int = 28):
    """A paid e-mail consultation, opened through the booking hook as payment would open it."""
    person = person or make_client()
    _video, email_service = make_practice()
    ConsultationTerms.objects.update_or_create(
        service=email_service, defaults={"exchanges": exchanges, "days": days}
    )
    booking = Booking.objects.create(
        service=email_service,
        person=person,
        state=Booking.State.CONFIRMED,
        confirmed_at=timezone.now(),
    )
    booking_hooks.booking_confirmed.emit(booking)
    return Consultation.objects.get(booking=booking)
