"""Bankgiro invoices with OCR: the row of the table of methods (registered by the app's
`ready()`). No adapter: the money arrives in BgMax files (`bgmax_reader.py`), matched here."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from consonance.payments.methods import PaymentMethod
from consonance.payments.providers.config import bankgiro_number

METHOD = PaymentMethod(
    value="bankgiro",
    provider="bankgiro",
    label=_("Faktura via Bankgiro (OCR)"),
    display_name="Bankgiro",
    position=40,
    holder="bank",
    document="invoice",
    return_view="booking-status",
    recipient="bankgirot",
    settings=(
        (
            "`CONSONANCE_BANKGIRO_NUMBER`",
            "the receiving bankgiro number; Bankgiro invoices with OCR are offered when set (a "
            "demo number in debug)",
        ),
        (
            "`CONSONANCE_BANKGIRO_DUE_DAYS`",
            "days until an invoice is due (default 10; never later than two days before the "
            "session)",
        ),
    ),
    starts_payment=False,
    billing=True,
    configured=lambda: bool(bankgiro_number()),
)
