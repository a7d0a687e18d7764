"""Vouchers from the ledger: what each payment, refund, provider fee and invoice books where.

Cash method (kontantmetoden, the default): a sale is booked when the money comes in.
    card / PayPal   D 1580 (money held by Stripe/PayPal)   C 3001 net  C 2611 VAT
    Swish / Bankgiro D 1930 (the bank account)              C 3001 net  C 2611 VAT
    (at 12 % 3002 and 2621, at 6 % 3003 and 2631.)
    VAT-exempt service: C 3004 instead of 3001 + 2611.
Invoice method (fakturametoden): a Bankgiro invoice is booked when issued (D 1510, C sales and
VAT) and its payment clears the receivable (D 1930, C 1510); card, PayPal and Swish sales are
paid at once, so they book as under the cash method.
Refunds reverse the sale (D sales and VAT, C where the money went back from) and refer to the
payment's voucher. Fees: D 6040, C 1580. A payout (Stripe) or withdrawal (PayPal) that reaches
the bank: D 1930, C 1580, so the clearing account ends at zero once the money has arrived.
PayPal's clearing account is its own role (CONSONANCE_ACCOUNT_PAYPAL), 1580 like cards unless set.
A Bankgiro deposit (BgMax TK15): its payments matched to orders are booked one by one (D 1930);
what no order took is booked from the deposit: payments without an order D 1930, C 2890 (to be
seen to), Bankgirot's deductions D 2890, C 1930; so 1930 grows by each deposit's total.
Accounts come from settings.BOOKKEEPING_ACCOUNTS.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone

from consonance.bookkeeping.fiscal import money, vat_part
from consonance.bookkeeping.models import Document, Voucher
from consonance.bookkeeping.services import VoucherSpec, voucher_create
from consonance.lib.time import local_date
from consonance.payments import methods
from consonance.payments.hooks import DepositRecorded, LedgerEntry, ProviderFee
from consonance.payments.models import Order, Payout


def account(role: str) -> str:
    return settings.BOOKKEEPING_ACCOUNTS[role]


def clearing_account(provider: str) -> str:
    """Where a provider holds the coach's money until it pays it out (the table of methods'
    `holder`; the card clearing account for a provider that holds none)."""
    row = methods.of_provider(provider)
    return account(row.holder if row is not None and row.provider_held else "card")


def _money_account(order: Order, provider: str) -> str:
    if provider == "manual":
        return account("bank")  # the coach paid it back from the bank herself
    row = methods.get(order.method)
    return account(row.holder) if row is not None else account("bank")


def _provider_name(provider: str) -> str:
    row = methods.of_provider(provider)
    return row.display_name if row is not None else provider


# The accounts of each Swedish VAT rate (BAS: 3001/2611 at 25 %, 3002/2621 at 12 %, 3003/2631 at
# 6 %), so that each box of the VAT return is the sum of its accounts (vat.py). Another rate
# (none exists in Sweden) books on the 25 % accounts, and the VAT page shows the difference.
RATE_ROLES = {
    Decimal(25): ("sales_vat", "output_vat"),
    Decimal(12): ("sales_vat_12", "output_vat_12"),
    Decimal(6): ("sales_vat_6", "output_vat_6"),
}


def sale_rows(gross: Decimal, vat_rate: Decimal) -> tuple[list[tuple[str, Decimal]], Decimal]:
    """The credit rows of a sale of `gross` (VAT included): sales account and output VAT."""
    vat = vat_part(gross, vat_rate)
    if vat_rate:
        sales, output = RATE_ROLES.get(Decimal(vat_rate), RATE_ROLES[Decimal(25)])
        return [(account(sales), -(gross - vat)), (account(output), -vat)], vat
    return [(account("sales_exempt"), -gross)], vat


def _invoiced(order: Order) -> bool:
    return (
        settings.BOOKKEEPING_METHOD == "invoice"
        and Voucher.objects.filter(source=f"invoice:{order.pk}").exists()
    )


def _first_payment_voucher(order: Order) -> Voucher | None:
    return (
        Voucher.objects.filter(order_id=order.pk, kind=Voucher.Kind.PAYMENT).order_by("pk").first()
    )


def _common(order: Order, entry_provider: str) -> dict[str, Any]:
    """The order's part of a voucher spec: who paid, which order, its VAT rate and method."""
    return {
        "payer_name": order.payer_name,
        "person_id": order.person_id,
        "order_id": order.pk,
        "order_reference": order.reference,
        "vat_rate": order.vat_rate,
        "method": order.method,
        "provider": entry_provider,
    }


# The methods' labels (lazy: translated where formatted), looked up without building the field's
# choices anew each time as `get_method_display()` does.
_METHOD_LABELS: dict[str, Any] = dict(Order.Method.choices)


def payment_spec(entry: LedgerEntry) -> VoucherSpec:
    """What a payment's voucher says."""
    order = entry.order
    gross = money(entry.amount)
    if _invoiced(order):
        rows = [(account("bank"), gross), (account("receivables"), -gross)]
        vat = Decimal(0)
        text = f"Inbetalning faktura {order.reference}"
    else:
        credit, vat = sale_rows(gross, order.vat_rate)
        rows = [(_money_account(order, entry.provider), gross), *credit]
        method = _METHOD_LABELS.get(order.method, order.method)  # get_method_display(), cheaper
        text = f"{order.description} ({method}), order {order.reference}"
    return VoucherSpec(
        date=local_date(entry.at),
        description=str(text),
        rows=rows,
        kind=Voucher.Kind.PAYMENT,
        actor=entry.actor,
        order_event_id=entry.event.pk,
        source=f"paid:{entry.event.pk}",
        vat_amount=vat,
        **_common(order, entry.provider),
    )


def voucher_for_payment(
    entry: LedgerEntry, *, number: int | None = None, receipt: Document | None = None
) -> Voucher:
    """The payment's voucher, written with its `receipt` (unsaved) when it has one."""
    # audit=False: the ledger's "order.payment_recorded" row records this payment.
    return voucher_create(
        payment_spec(entry), fresh=True, number=number, audit=False, document=receipt
    )


def voucher_for_refund(entry: LedgerEntry) -> Voucher:
    order = entry.order
    gross = money(entry.amount)
    credit, vat = sale_rows(gross, order.vat_rate)
    rows = [(acc, -amount) for acc, amount in credit] + [
        (_money_account(order, entry.provider), -gross)
    ]
    first = _first_payment_voucher(order)
    refers = f", avser {first.label}" if first else ""
    spec = VoucherSpec(
        date=local_date(entry.at),
        description=f"Återbetalning order {order.reference}{refers}",
        rows=rows,
        kind=Voucher.Kind.REFUND,
        actor=entry.actor,
        order_event_id=entry.event.pk,
        source=f"refunded:{entry.event.pk}",
        refers_to=first,
        vat_amount=-vat,
        **_common(order, entry.provider),
    )
    # audit=False: the ledger's "order.refund_recorded" row records this refund.
    return voucher_create(spec, fresh=True, audit=False)


def voucher_for_fee(fee: ProviderFee) -> Voucher:
    amount = money(fee.amount)
    order = fee.order
    first = _first_payment_voucher(order)
    common = _common(order, fee.provider)
    common["vat_rate"] = Decimal(0)  # payment services are exempt from VAT (ML 3 kap. 9 §)
    name = _provider_name(fee.provider)
    # The fee's counterparty is the provider, not the client: nothing about her on this voucher.
    common["payer_name"], common["person_id"] = name, None
    return voucher_create(
        VoucherSpec(
            date=local_date(fee.at),
            description=f"Avgift {name}, order {order.reference}",
            rows=[(account("card_fees"), amount), (clearing_account(fee.provider), -amount)],
            kind=Voucher.Kind.FEE,
            actor="system",
            source=f"fee:{fee.provider}:{fee.fee_ref}"[:120],
            refers_to=first,
            **common,
        )
    )


def voucher_for_invoice(order: Order, *, actor: str = "system") -> Voucher | None:
    """Under the invoice method, book the Bankgiro invoice as a receivable when it is issued."""
    if settings.BOOKKEEPING_METHOD != "invoice":
        return None
    gross = money(order.amount)
    credit, vat = sale_rows(gross, order.vat_rate)
    return voucher_create(
        VoucherSpec(
            date=timezone.localdate(),
            description=f"Faktura order {order.reference}",
            rows=[(account("receivables"), gross), *credit],
            kind=Voucher.Kind.INVOICE,
            actor=actor,
            source=f"invoice:{order.pk}",
            vat_amount=vat,
            **_common(order, methods.method(order.method).provider),
        )
    )


def voucher_for_payout(payout: Payout) -> Voucher:
    """Money a provider moved to the bank: D bank, C the provider's clearing account; once."""
    amount = money(payout.amount)
    row = methods.of_provider(payout.provider)
    name = _provider_name(payout.provider)
    what = row.payout_label if row is not None and row.payout_label else "Uttag"
    spec = VoucherSpec(
        date=payout.arrived_on,
        description=f"{what} från {name} till banken",
        rows=[(account("bank"), amount), (clearing_account(payout.provider), -amount)],
        kind=Voucher.Kind.TRANSFER,
        actor=payout.recorded_by or "system",
        source=f"payout:{payout.provider}:{payout.provider_ref}"[:120],
        payer_name=name,  # the provider, not a data subject: no person (issue 19)
        method=row.value if row is not None else payout.provider,
        provider=payout.provider,
    )
    return voucher_create(spec, audit=False)  # the payments app's "payout.recorded" row records it


def deposit_spec(deposit: DepositRecorded) -> VoucherSpec | None:
    """The voucher for the part of a Bankgiro deposit the order ledger did not book; None when
    there is none (or the deposit is not in kronor: the books are kept in SEK, she books it by
    hand). Written with the file's other deposits (services.vouchers_create_many: the deposit
    rows were just written, so the sources are new; no audit row of its own, the import's
    "bankgiro.file_imported" records the file)."""
    if deposit.currency != "SEK" or not (deposit.unmatched or deposit.deductions):
        return None
    unmatched, deducted = money(deposit.unmatched), money(deposit.deductions)
    rows = [
        (account("bank"), unmatched),
        (account("unidentified"), -unmatched),
        (account("unidentified"), deducted),
        (account("bank"), -deducted),
    ]
    return VoucherSpec(
        date=deposit.payment_date,
        description=(
            f"Bankgiroinsättning {deposit.serial} {deposit.payment_date:%Y-%m-%d}: "
            "inbetalningar utan order och avdrag"
        ),
        rows=rows,
        kind=Voucher.Kind.OTHER,
        actor="system",
        source=f"deposit:{deposit.deposit_id}",
        payer_name="Bankgirot",  # unknown payers, never stored (P8): no person to link
        method=deposit.method,
        provider=methods.method(deposit.method).provider,
    )
