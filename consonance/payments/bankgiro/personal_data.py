"""What the Bankgiro import holds about people (P8 minimisation).

BgMax files carry the payer's name, address and organisation or personal identity number
(TK26-TK29); none of it is stored. A bank payment keeps the reference the payer quoted, which for
a matched payment is an order's OCR number and for an unmatched one may be free text, so it is
held as part of the payer's orders and payments and goes two years after the payment, like the
order it pays (P14). The payment date stands in for the order's date because an unmatched
payment has no order.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from consonance.privacy.registry import Holding, PersonalModel, Readable

PERSONAL_DATA = [
    PersonalModel(
        "bankgiro.BankPayment",
        subject="order__person",
        holdings=(
            Holding("orders", fields=("reference",), clocks={"order_placed": "payment_date"}),
        ),
        not_personal=(
            "imported_file",
            "deposit",
            "kind",
            "bgc_serial",
            "position",
            "line",
            "reference_code",
            "amount",
            "currency",
            "payment_date",
            "order",
            "state",
            "reason",
            "resolved_at",
        ),
        # A payment, not a thing of its own to count: the order's events count it ("1 betalning").
        readable=Readable(
            heading=_("Inbetalningar via Bankgiro"),
            labels={
                "payment_date": _("Betalningsdag"),
                "amount": _("Belopp"),
                "reference": _("Referens"),
                "state": _("Läge"),
            },
        ),
    ),
]

NOT_PERSONAL = {
    "bankgiro.ImportedFile": "a file's checksum, name, date and counts; no payer data",
    "bankgiro.BankDeposit": "a deposit's bankgiro number, serial, date and total; no payer data",
}
