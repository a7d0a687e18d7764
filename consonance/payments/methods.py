"""The table of payment methods: one frozen row per method, read by booking, bookkeeping, the CSP
and the README's configuration table, so that what a method *is* is said once.

Each provider folder (`payments/providers/<name>/method.py`) holds its row as `METHOD`; payments
registers every folder's row when the app is ready, and Bankgiro (an app of its own, one floor up)
registers its row from its own `ready()`. Adding a method is a folder plus its row (README, "Adding
a payment method"). Nothing outside the provider folders names a provider: they ask this table.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from consonance.lib.readme import readme_with_block

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

    from consonance.payments.models import Order
    from consonance.payments.providers.base import PaymentProvider, ProviderEvent


def _nothing() -> list[str]:
    return []


def _plain_start(order: Order, return_url: str) -> dict[str, Any]:
    return {"return_url": return_url}


def _event_amount(order: Order, event: ProviderEvent) -> Decimal | None:
    return event.amount


@dataclass(frozen=True, kw_only=True)
class PaymentMethod:
    value: str  # Order.method, as stored ("card")
    provider: str  # its provider's name on events, vouchers and the audit trail ("stripe")
    label: StrPromise  # the booking form's choice (a Swedish msgid)
    display_name: str  # the provider's own name, on vouchers and pages ("Stripe")
    position: int  # where it is offered among the others (lowest first)
    # The ledger account role (settings.BOOKKEEPING_ACCOUNTS) that holds the money until it reaches
    # the bank: "bank" when it goes straight there, else the provider's clearing account.
    holder: str
    document: Literal["receipt", "invoice"]  # what the client gets for the payment
    return_view: str  # the URL name (with the booking's token) the payer comes back to
    recipient: str  # the policy file's recipient id of the provider (rights: who received data)
    starts_payment: bool = True  # paid through the provider's adapter (not a bank transfer)
    billing: bool = False  # the order keeps billing details (names; P8: only where needed)
    phone: bool = False  # the booking form offers a phone number (the payer's alias), billed
    payout_window: timedelta | None = None  # how long it takes to pay a payment out, if it does
    payout_label: str = ""  # a provider-held method's transfer voucher: "Utbetalning", "Uttag"
    fee: tuple[Decimal, Decimal] | None = None  # its published price (share, kronor): the demo
    # Its environment variables, as rows (variables, meaning) of the README's configuration table
    # (`consonance docs methods --write`).
    settings: tuple[tuple[str, str], ...] = ()
    # The configured adapter (payments.providers.base.PaymentProvider), None when unconfigured.
    build: Callable[[], PaymentProvider | None] = lambda: None
    # Offered to visitors; by default when its adapter is configured.
    configured: Callable[[], bool] | None = None
    checkout_origins: Callable[[], list[str]] = _nothing  # CSP form-action, while configured
    # The provider's quirks, each a default for the others:
    start_options: Callable[[Order, str], dict[str, Any]] = _plain_start  # start_payment kwargs
    refunded_amount: Callable[[Order, ProviderEvent], Decimal | None] = _event_amount
    on_event: Callable[[ProviderEvent], str | None] | None = None  # before the order is looked up
    on_return: Callable[[int], str] | None = None  # the payer is back (order id): e.g. capture
    on_paid: Callable[[Order, str], None] | None = None  # paid without a fee (order, payment ref)
    normalize_phone: Callable[[str], str] = str.strip  # raises ValueError for a bad number
    # A payment to open on the payer's phone: (token, return_url) -> (QR code SVG, app link).
    prompt: Callable[[str, str], tuple[str, str]] | None = None
    prompt_param: str = ""  # the status page's query parameter carrying the prompt's token

    @property
    def provider_held(self) -> bool:
        """The provider holds the money and pays it out later, net of its fees."""
        return self.holder != "bank"

    def is_configured(self) -> bool:
        if self.configured is not None:
            return self.configured()
        return self.build() is not None


_rows: dict[str, PaymentMethod] = {}


def register(method: PaymentMethod) -> None:
    """Add a method's row (each provider folder's, Bankgiro's; a test's fictional one)."""
    for row in _rows.values():
        if row.provider == method.provider and row.value != method.value:
            raise ValueError(f"provider {method.provider!r} already has a method")
    _rows[method.value] = method


def unregister(value: str) -> None:
    _rows.pop(value, None)


def discover() -> None:
    """Register the row of every provider folder (payments' `ready()`)."""
    providers = importlib.import_module("consonance.payments.providers")
    for info in pkgutil.iter_modules(providers.__path__):
        if info.ispkg:
            module = importlib.import_module(f"{providers.__name__}.{info.name}.method")
            register(module.METHOD)


def all_methods() -> list[PaymentMethod]:
    return sorted(_rows.values(), key=lambda row: (row.position, row.value))


def method(value: str) -> PaymentMethod:
    """The row of an Order.method value; KeyError for none."""
    return _rows[value]


def get(value: str) -> PaymentMethod | None:
    return _rows.get(value)


def of_provider(provider: str) -> PaymentMethod | None:
    return next((row for row in _rows.values() if row.provider == provider), None)


def providers_holding() -> Iterator[PaymentMethod]:
    return (row for row in all_methods() if row.provider_held)


# -- the README's configuration table of the methods (`consonance docs methods --write`) -----------

TABLE_START = (
    "<!-- the payment methods' settings: generated by `consonance docs methods --write` from "
    "each method's row -->"
)
TABLE_END = "<!-- end of the payment methods' settings -->"


def methods_table() -> str:
    lines = ["| variable | meaning |", "|---|---|"]
    for row in all_methods():
        lines += [f"| {variables} | {meaning} |" for variables, meaning in row.settings]
    return "\n".join(lines) + "\n"


def readme_with_methods_table(readme: str) -> str:
    """The README with its methods' configuration table (between the markers) made anew."""
    return readme_with_block(readme, TABLE_START, TABLE_END, methods_table())
