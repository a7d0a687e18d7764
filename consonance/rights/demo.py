"""Demo part of rights: an open journal-access request near its deadline, a restricted person,
and the receipt of a fictional person created and erased by the demo itself (idempotent)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from consonance.audit.services import SYSTEM
from consonance.bookkeeping.models import Voucher
from consonance.people.keys import person_encrypt
from consonance.people.models import Person
from consonance.people.services import person_get_or_create
from consonance.rights.erasure import person_erase
from consonance.rights.models import ErasureReceipt, Request, Restriction
from consonance.rights.services import request_record, restriction_start

REQUESTER = ("ingrid.dahl@example.se", "Ingrid", "Dahl")
RESTRICTED = ("nils.strand@example.se", "Nils", "Strand")
ERASED = ("demo.raderad@example.se", "Vera", "Raderad")
ERASED_NOTE = "demo: fiktiv person raderad av demon"


def load(out) -> None:
    now = timezone.now()

    person, _ = person_get_or_create(
        email=REQUESTER[0], first_name=REQUESTER[1], last_name=REQUESTER[2], actor=SYSTEM
    )
    if not Request.objects.filter(person=person, kind=Request.Kind.JOURNAL_ACCESS).exists():
        from consonance.journal.models import Note

        Note.objects.create(
            person=person,
            body_ciphertext=person_encrypt(
                person, "Demo: samtal om sömn och stress.", context="note"
            ),
        )
        request = request_record(
            person=person, kind=Request.Kind.JOURNAL_ACCESS, actor=SYSTEM, done=False
        )
        # Received eight days ago: due in two days, so the reminder and the "snart" tag show.
        received = now - dt.timedelta(days=8)
        Request.objects.filter(pk=request.pk).update(
            received_at=received, due_at=received + dt.timedelta(days=10)
        )

    person, _ = person_get_or_create(
        email=RESTRICTED[0], first_name=RESTRICTED[1], last_name=RESTRICTED[2], actor=SYSTEM
    )
    if not Restriction.objects.filter(person=person).exists():
        restriction_start(person=person, reason=Restriction.Reason.ACCURACY, actor=SYSTEM)

    if not ErasureReceipt.objects.filter(request__note=ERASED_NOTE).exists():
        person, _ = person_get_or_create(
            email=ERASED[0], first_name=ERASED[1], last_name=ERASED[2], actor=SYSTEM
        )
        number = (
            Voucher.objects.filter(series="D")
            .order_by("-number")
            .values_list("number", flat=True)
            .first()
            or 0
        ) + 1
        Voucher.objects.create(
            series="D",
            number=number,
            date=timezone.localdate(),
            fiscal_year_end=timezone.localdate().replace(month=12, day=31),
            description="Demo: videokonsultation",
            amount=Decimal("900.00"),
            payer_name=f"{ERASED[1]} {ERASED[2]}",
            person=person,
        )
        person_erase(person=Person.objects.get(pk=person.pk), actor=SYSTEM, via=ERASED_NOTE)
    receipt = ErasureReceipt.objects.filter(request__note=ERASED_NOTE).first()
    out.write(
        "Privacy center: http://127.0.0.1:8000/mina-uppgifter/ (try ingrid.dahl@example.se; "
        "the link is printed by the console mailer). Requests and receipts: "
        f"http://127.0.0.1:8000/staff/privacy/ (demo receipt #{receipt.pk if receipt else '-'})."
    )
