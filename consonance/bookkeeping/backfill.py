"""Every identified subject has a Person (issue 19): link the rows written before that held.

Rows that name a payer or a recipient without a link to her Person (orders and billing details
from before every payer had one, the demo's payments, vouchers and receipts copied from such
orders, outgoing mail to a known address queued without a link) cannot be reached from her:
export, erasure and the privacy center start from the Person. `backfill` links them:

- an order, and its billing details, to the Person with the payer's normalised address, made
  when nobody has it (first and last name from the row), her latest contact set to her latest
  such order rather than to now, so that linking old rows keeps her no longer than they would;
- a voucher or a receipt or invoice to its order's payer, when it names the order's payer (a
  provider's fee or payout names the provider, who is not a data subject: left unlinked);
- an outgoing mail to a client's address (its purpose's audience is "client") to the Person
  with that address, when there is one. A mail to an address no person has is left as it is:
  no Person is made for an address nobody proved (a newsletter sign-up not yet confirmed), the
  message is deleted once sent, and an erasure forgets unlinked mail to her addresses anyway.

An address erased before (on the suppression list with reason "erasure") never gets a Person
again here: a row unlinked by her erasure stays unlinked.

It runs from a migration with the historical models (`apps`), or with the live registry of apps
in tests; in batches by primary key, each batch its own transaction, so an interrupted run is
continued by the next (linked rows drop out of what is left). It lives in bookkeeping, the
highest of the apps whose rows it links, so that its migration runs after theirs.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db import models, transaction
from django.db.models import F, Max, OuterRef, Subquery

from consonance.audit.services import SYSTEM, audit_append
from consonance.lib.text import normalise_email, split_full_name
from consonance.mail.outbox import address_hash
from consonance.privacy.policy import get_policy

BATCH = 500


@dataclass
class Linked:
    """What one run linked, per model label, and how many Persons it made."""

    rows: dict[str, int] = field(default_factory=dict)
    people_created: int = 0

    def add(self, label: str, n: int) -> None:
        if n:
            self.rows[label] = self.rows.get(label, 0) + n


def _batches(queryset: models.QuerySet, size: int) -> Iterator[list]:
    last = None
    while True:
        page = queryset if last is None else queryset.filter(pk__gt=last)
        rows = list(page.order_by("pk")[:size])
        if not rows:
            return
        yield rows
        last = rows[-1].pk


class _People:
    """Get or create the Person of an address with the models at hand (historical in a
    migration), never for an erased address."""

    def __init__(self, apps, linked: Linked):
        self.Person = apps.get_model("people", "Person")
        self.Suppression = apps.get_model("mail", "Suppression")
        self.Order = apps.get_model("payments", "Order")
        self.linked = linked

    def known(self, email: str) -> int | None:
        """The Person with this normalised address. The one lookup by address outside
        `people.selectors.person_by_email`: a migration must use the models as they were at
        its point of the graph (the address in clear), not today's code."""
        return self.Person.objects.filter(email=email).values_list("pk", flat=True).first()

    def erased(self, email: str) -> bool:
        return self.Suppression.objects.filter(
            address_hash=address_hash(email), reason="erasure"
        ).exists()

    def for_address(self, raw: str, full_name: str) -> int | None:
        email = normalise_email(raw)
        if not email:
            return None
        known = self.known(email)
        if known is not None:
            return known  # her clock stays: an unproven row must not move it (finding 11)
        if self.erased(email):
            return None
        latest = self.Order.objects.filter(person__isnull=True, payer_email__in={raw, email})
        at = latest.aggregate(at=Max("created_at"))["at"]
        first, last = split_full_name(full_name)
        extra = {"created_at": at, "last_contact_at": at} if at else {}
        person = self.Person.objects.create(email=email, first_name=first, last_name=last, **extra)
        self.linked.people_created += 1
        return person.pk


def _orders(apps, people: _People, linked: Linked, size: int) -> None:
    Order = apps.get_model("payments", "Order")
    BillingDetails = apps.get_model("payments", "BillingDetails")
    orphans = Order.objects.filter(person__isnull=True).exclude(payer_email="")
    for rows in _batches(orphans, size):
        with transaction.atomic():
            for order in rows:
                person_id = people.for_address(order.payer_email, order.payer_name)
                if person_id is not None:
                    linked.add(
                        "payments.Order",
                        Order.objects.filter(pk=order.pk).update(person_id=person_id),
                    )
    # Billing details: their order's payer, else the Person of the address they hold.
    of_order = Order.objects.filter(pk=OuterRef("order_id")).values("person_id")[:1]
    with transaction.atomic():
        linked.add(
            "payments.BillingDetails",
            BillingDetails.objects.filter(person__isnull=True, order__person__isnull=False).update(
                person_id=Subquery(of_order)
            ),
        )
    orphans = BillingDetails.objects.filter(person__isnull=True).exclude(email="")
    for rows in _batches(orphans, size):
        with transaction.atomic():
            for details in rows:
                name = f"{details.first_name} {details.last_name}"
                person_id = people.for_address(details.email, name)
                if person_id is not None:
                    n = BillingDetails.objects.filter(pk=details.pk).update(person_id=person_id)
                    linked.add("payments.BillingDetails", n)


def _books(apps, linked: Linked, size: int) -> None:
    """Vouchers and documents take their order's payer when they name her (set-based)."""
    Order = apps.get_model("payments", "Order")
    for label, name in (
        ("bookkeeping.Voucher", "payer_name"),
        ("bookkeeping.Document", "buyer_name"),
    ):
        Model = apps.get_model(label)
        payer = Order.objects.filter(pk=OuterRef("order_id")).values("person_id")[:1]
        # Names in clear (the migration's state), or encrypted: then their blind indexes match.
        index = {f.name for f in Model._meta.get_fields()} & {f"{name}_index"}
        same = {f"{name}_index": F("order__payer_name_index")} if index else {}
        orphans = Model.objects.filter(
            person__isnull=True,
            order__person__isnull=False,
            **(same or {name: F("order__payer_name")}),
        ).values_list("pk", flat=True)
        while pks := list(orphans.order_by("pk")[:size]):
            with transaction.atomic():
                linked.add(
                    label, Model.objects.filter(pk__in=pks).update(person_id=Subquery(payer))
                )


def _mail(apps, people: _People, linked: Linked, size: int) -> None:
    OutboxMessage = apps.get_model("mail", "OutboxMessage")
    if not OutboxMessage.objects.filter(person__isnull=True).exists():
        return  # a fresh database: the policy file is not even read
    clients = [k for k, c in get_policy().communication.items() if c.audience == "client"]
    orphans = OutboxMessage.objects.filter(person__isnull=True, purpose__in=clients)
    for rows in _batches(orphans, size):
        with transaction.atomic():
            for message in rows:
                person_id = people.known(normalise_email(message.recipient))
                if person_id is not None:
                    n = OutboxMessage.objects.filter(pk=message.pk).update(person_id=person_id)
                    linked.add("mail.OutboxMessage", n)


def backfill(apps, *, size: int = BATCH) -> Linked:
    """Link every row that names a payer or a client recipient to her Person (see above);
    idempotent: a second run finds nothing left. Audited with counts only."""
    linked = Linked()
    people = _People(apps, linked)
    _orders(apps, people, linked, size)
    _books(apps, linked, size)
    _mail(apps, people, linked, size)
    if linked.rows or linked.people_created:
        audit_append(
            actor=SYSTEM,
            action="people.orphans_linked",
            category="contact_details",
            detail={"linked": linked.rows, "people_created": linked.people_created},
        )
    return linked
