"""A person with a row in every model, and the privacy center as she uses it."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from django.core import mail
from django.utils import timezone

from consonance.audit.services import SYSTEM
from consonance.bookkeeping.models import Voucher
from consonance.contact.models import Message
from consonance.journal.models import ConsultationMessage, Note
from consonance.mail.outbox import mail_queue
from consonance.newsletter.services import subscription_create
from consonance.payments.models import BillingDetails, Order, OrderEvent, Refund, RefundAccount
from consonance.people.models import MemberProfile, Person
from consonance.people.services import person_get_or_create
from tests.factories.people import encrypted

# -- a person with a row in every model (rights tests) ----------------------------------------

EMAIL = "klara.ek@example.se"
REFUND_ACCOUNT = "0123452"  # a valid SEB account number with clearing number 5365


def populated_person(email: str = EMAIL, first: str = "Klara", last: str = "Ek") -> Person:
    """A person with a row in every model that stores data about people today."""
    person, _ = person_get_or_create(
        email=email, first_name=first, last_name=last, language="sv", actor=SYSTEM
    )
    MemberProfile.objects.create(person=person)
    order = Order.objects.create(
        reference=f"C-{person.pk}-1",
        person=person,
        method=Order.Method.SWISH,
        status=Order.Status.PAID,
        description="Videokonsultation 50 min",
        amount=Decimal("900.00"),
        amount_paid=Decimal("900.00"),
        payer_name=f"{first} {last}",
        payer_email=email,
    )
    BillingDetails.objects.create(
        order=order,
        person=person,
        first_name=first,
        last_name=last,
        email=email,
        street_address=f"Storgatan {person.pk}",
        postal_code="11122",
        city="Stockholm",
        phone=f"070123456{person.pk}",
    )
    OrderEvent.objects.create(order=order, kind="paid", amount=Decimal("900.00"))
    # A refund made by hand, its account still kept for the days after it was done.
    refund = Refund.objects.create(
        order=order,
        amount=Decimal("100.00"),
        reason="coach",
        status=Refund.Status.DONE,
        completed_at=timezone.now(),
    )
    RefundAccount.objects.create(
        refund=refund,
        person=person,
        nonce="populated",
        received_at=timezone.now(),
        clearing_number_ciphertext=encrypted(
            person, RefundAccount, "5365", "clearing_number_ciphertext"
        ),
        account_number_ciphertext=encrypted(
            person, RefundAccount, REFUND_ACCOUNT, "account_number_ciphertext"
        ),
    )
    Voucher.objects.create(
        number=Voucher.objects.count() + 1,
        date=dt.date(2026, 3, 2),
        fiscal_year_end=dt.date(2026, 12, 31),
        description="Konsultation",
        amount=Decimal("900.00"),
        payer_name=f"{first} {last}",
        order_reference=order.reference,
        person=person,
    )
    Note.objects.create(person=person, body_ciphertext=encrypted(person, Note, "Sover bättre."))
    ConsultationMessage.objects.create(
        person=person,
        direction="in",
        body_ciphertext=encrypted(person, ConsultationMessage, "Hej, en fråga om stress."),
    )
    Message.objects.create(
        person=person,
        body_ciphertext=encrypted(person, Message, "Har ni tider i maj?"),
    )
    subscription_create(
        person=person, consent_given_at=dt.datetime.now(dt.UTC), actor=SYSTEM, confirmed=True
    )
    mail_queue(
        to=email, template="rights_link", context={"url": "x", "minutes": 30}, person_id=person.pk
    )
    return person


# -- the privacy center ---------------------------------------------------------------------------

RIGHTS_START = "/mina-uppgifter/"


def link_from_mail() -> str:
    body = mail.outbox[-1].body
    return re.search(r"https?://\S+/mina-uppgifter/in/#\S+", body).group(0)


def follow_link(client, url: str):
    """What the sign-in page's script does: post the link's fragment to the page."""
    path, _hash, token = url.split("://", 1)[1].partition("/")[2].partition("#")
    assert client.get("/" + path).status_code == 200
    return client.post("/" + path, {"token": token})


def sign_in(client, email: str = EMAIL) -> None:
    client.post(RIGHTS_START, {"email": email})
    response = follow_link(client, link_from_mail())
    assert response.status_code == 302 and response["Location"].endswith("/oversikt/")


def change_address(client, new: str, old: str = EMAIL) -> None:
    """She changes her address in the privacy center and follows the link mailed to the new one."""
    sign_in(client, old)
    person = Person.objects.get(email=old)
    names = {"first_name": person.first_name, "last_name": person.last_name}
    assert client.post("/mina-uppgifter/ratta/", {**names, "email": new}).status_code == 302
    path = re.search(r"https?://[^/\s]+(/mina-uppgifter/ratta/adress/\S+/)", mail.outbox[-1].body)[
        1
    ]
    assert client.post(path).status_code == 200
    assert Person.objects.filter(pk=person.pk, email=new).exists()
