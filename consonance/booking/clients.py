"""Who books: the client's details, her person (P27: restricted processing), her order."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from consonance.audit.services import SYSTEM
from consonance.booking.errors import ProcessingRestricted
from consonance.booking.models import Service
from consonance.payments import methods
from consonance.payments.models import Order
from consonance.payments.services import BillingIn, order_create
from consonance.people.models import Person
from consonance.people.selectors import person_by_email
from consonance.people.services import person_get_or_create
from consonance.rights.selectors import person_is_restricted


@dataclass(frozen=True)
class Client:
    first_name: str
    last_name: str
    email: str
    language: str = "sv"
    phone: str = ""  # Swish e-commerce only


def new_reference() -> str:
    return "CC-" + secrets.token_hex(5).upper()


def booking_person(client: Client) -> tuple[Person, bool]:
    """The person booking for herself, and whether she has restricted processing (P27).

    Her own booking is her request to have her data used for it (GDPR Art. 18(2): processing with
    her consent), so it goes ahead and the page answers as for anyone; what differs goes by e-mail
    to the address (emails.restricted_booking), so the page never tells a stranger that an
    address is known or restricted."""
    known = person_by_email(client.email)
    if known is not None and person_is_restricted(known.pk):
        return known, True
    # Unproven: anyone can type her address; her clock moves when the booking is paid.
    return client_person(client, proven=False), False


def client_person(client: Client, *, proven: bool = True) -> Person:
    # Restricted processing (P27): the coach books nobody who restricted it (staff path).
    known = person_by_email(client.email)
    if known is not None and person_is_restricted(known.pk):
        raise ProcessingRestricted("processing restricted")
    person, _created = person_get_or_create(
        email=client.email,
        first_name=client.first_name,
        last_name=client.last_name,
        language=client.language,
        actor=SYSTEM,
        proven=proven,
    )
    return person


def order_for(service: Service, client: Client, person: Person, method: str, actor: str) -> Order:
    # P8: only what the method needs. An e-mailed Bankgiro invoice needs no postal address;
    # Swish needs the phone number only when the payer wants the request sent to her phone
    # rather than scanning a QR code.
    billing = None
    row = methods.method(method)
    if row.billing:
        billing = BillingIn(
            first_name=client.first_name,
            last_name=client.last_name,
            phone=client.phone if row.phone else "",
        )
    return order_create(
        person=person,
        reference=new_reference(),
        method=method,
        description=service.name_sv,
        description_en=service.name_en,
        amount=service.price,
        vat_rate=service.vat_rate,
        payer_name=f"{client.first_name} {client.last_name}",
        billing=billing,
        actor=actor,
    )
