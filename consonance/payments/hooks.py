"""What the payments app tells the apps above it (booking, bookkeeping...).

Every hook runs inside the ledger's transaction: a handler that raises rolls the payment back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from consonance.lib.hooks import Hook
from consonance.payments.models import Order, OrderEvent, Payout


@dataclass(frozen=True)
class LedgerEntry:
    """Money that moved on an order: a payment received or a refund paid out."""

    order: Order
    event: OrderEvent
    amount: Decimal
    provider: str
    at: datetime
    actor: str


#: An order has just received its full amount (booking confirms its booking here).
order_paid: Hook[Order, None] = Hook(
    "payments.order_paid", when="an order has received its full amount"
)

#: A payment was recorded on an order, full or partial (bookkeeping writes a voucher). Not for
#: the payments of a batch: `payments_recorded` carries those.
payment_recorded: Hook[LedgerEntry, None] = Hook(
    "payments.payment_recorded",
    when="a payment was recorded on an order, full or partial (a `LedgerEntry`), one at a time",
)


@dataclass(frozen=True)
class PaymentsRecorded:
    """A batch of payments (a bank file): every entry, and the orders it paid in full."""

    entries: list[LedgerEntry]
    paid: list[Order]  # reached their full amount with this batch, in order of their ids


#: Many payments were recorded at once (the BgMax import): the one hook for all of them, in
#: place of `payment_recorded` for each and `order_paid` for the orders it paid in full; a
#: handler does for every entry what it does for one.
payments_recorded: Hook[PaymentsRecorded, None] = Hook(
    "payments.payments_recorded",
    when=(
        "many payments were recorded at once (a BgMax file); no `payment_recorded` or "
        "`order_paid` for them"
    ),
)

#: A refund was recorded on an order (bookkeeping writes a voucher).
refund_recorded: Hook[LedgerEntry, None] = Hook(
    "payments.refund_recorded", when="a refund was recorded on an order"
)


@dataclass(frozen=True)
class PaymentFailed:
    order: Order
    reason: str  # "payment_failed", "payment_expired"...


#: A payment failed or expired before any money came in (booking frees the slot). Handlers return
#: True when they took care of the order; otherwise the payments app cancels the order itself.
payment_failed: Hook[PaymentFailed, bool] = Hook(
    "payments.payment_failed",
    when="a payment failed or expired before any money came (True: a handler took care of the order)",
)


@dataclass(frozen=True)
class ProviderFee:
    """A fee a payment provider (Stripe, PayPal) reported taking from a payment."""

    order: Order
    amount: Decimal
    currency: str
    provider: str
    fee_ref: str  # the provider's id for the fee's transaction: a fee is booked once
    at: datetime


#: A provider reported its fee on a payment (bookkeeping writes a fee voucher).
fee_recorded: Hook[ProviderFee, None] = Hook(
    "payments.fee_recorded", when="a provider reported its fee on a payment"
)

#: A Bankgiro order was invoiced: it has its OCR reference and due date (bookkeeping writes the
#: invoice, and under the invoice method its voucher).
order_invoiced: Hook[Order, None] = Hook(
    "payments.order_invoiced", when="a Bankgiro invoice was issued (OCR reference and due date)"
)


#: A provider moved money to the bank account (a Stripe payout, a PayPal withdrawal): bookkeeping
#: books it as a transfer from the provider's clearing account to the bank. Emitted once per
#: payout, inside the transaction that records it.
payout_recorded: Hook[Payout, None] = Hook(
    "payments.payout_recorded", when="a Stripe payout or PayPal withdrawal reached the bank"
)

#: Asks the apps above how much a provider ("paypal", "stripe") holds for the coach (what came in
#: less fees, refunds and payouts); bookkeeping answers from the provider's clearing account. For
#: the withdrawal form. Handlers return a Decimal, or None when they cannot tell.
provider_held: Hook[str, Decimal | None] = Hook(
    "payments.provider_held", when="the withdrawal form asks what a provider holds for the coach"
)


@dataclass(frozen=True)
class DepositRecorded:
    """A Bankgiro deposit (BgMax TK05-TK15) read from a file: what reached the bank account that
    day, and the part of it the order ledger did not record (payments without an order, and
    Bankgirot's deductions), which bookkeeping books so that the bank account matches."""

    deposit_id: int
    serial: str
    payment_date: date
    currency: str
    amount: Decimal  # the TK15 total
    unmatched: Decimal  # payments that matched no order
    deductions: Decimal  # TK21 deductions, subtracted from the deposit
    method: str  # the deposit's payment method (Order.method; the table of methods' row)


#: A BgMax file's deposits were applied (emitted by payments.bankgiro, once per file with all
#: its deposits, in the file's order: a file of a hundred deposits books them in one go).
deposits_recorded: Hook[list[DepositRecorded], None] = Hook(
    "payments.deposits_recorded",
    when="a BgMax file's deposits were imported (the money no order took, and deductions)",
)
