"""Demo part of Bankgiro: invoices with OCR numbers and a BgMax file that pays one of them.

Idempotent: the orders are found by reference, the invoice service keeps an existing OCR
number, and the file is built from stored values only (same bytes, same checksum), so the
second run finds it already imported.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from consonance.audit.services import SYSTEM
from consonance.lib.ocr import ocr_make
from consonance.payments.bankgiro.bgmax_reader import STOCKHOLM
from consonance.payments.bankgiro.bgmax_writer import DepositInput, write_bgmax
from consonance.payments.bankgiro.imports import bankgiro_import
from consonance.payments.bankgiro.services import bankgiro_invoice_create
from consonance.payments.models import Order
from consonance.people.services import person_get_or_create

INVOICES = [
    # reference, e-mail, first, last, amount, paid in the demo file
    ("DEMO-BG-1", "lena.ek@example.se", "Lena", "Ek", Decimal("950.00"), True),
    ("DEMO-BG-2", "omar.said@example.se", "Omar", "Said", Decimal("1450.00"), False),
]
# A payment quoting an OCR number no invoice has: it shows on the staff page to be handled.
STRAY_OCR = ocr_make("99990001")


def load(out) -> None:
    orders = []
    for reference, email, first, last, amount, _paid in INVOICES:
        person, _created = person_get_or_create(
            email=email, first_name=first, last_name=last, language="sv", actor=SYSTEM
        )
        order, _created = Order.objects.get_or_create(
            reference=reference,
            defaults={
                "person": person,
                "method": Order.Method.BANKGIRO,
                "description": "Videosamtal 50 min",
                "amount": amount,
                "vat_rate": Decimal("25.00"),
                "payer_name": f"{first} {last}",
                "payer_email": email,
            },
        )
        orders.append(bankgiro_invoice_create(order_id=order.pk, actor=SYSTEM))
    paid = orders[0]
    day = paid.created_at.astimezone(STOCKHOLM) + timedelta(days=2)
    data = write_bgmax(
        [
            DepositInput(
                day.date(),
                serial=1,
                payments=[
                    (str(paid.ocr_reference), paid.amount, "Lena Ek"),
                    (STRAY_OCR, Decimal("300.00"), "Okänd Betalare"),
                ],
            )
        ],
        timestamp=day.replace(hour=6, minute=0, second=0, microsecond=0),
    )
    report = bankgiro_import(data=data, filename="demo-bgmax.txt", dry_run=False, actor=SYSTEM)
    out.write(
        f"Bankgiro: invoice {orders[1].reference} open with OCR {orders[1].ocr_reference}; "
        f"{paid.reference} paid by demo-bgmax.txt"
        f"{' (already imported)' if report.already_imported else ''}; one unmatched payment at "
        "/staff/bankgiro/.\n"
    )
