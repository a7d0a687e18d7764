"""The small interface every payment provider implements.

A provider starts a payment, turns a callback (webhook) into a `ProviderEvent`, and refunds.
Providers are protocol adapters only: they know nothing of orders or the database; the payments
services map references to orders, deduplicate events by `event_id` and write the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Literal, Protocol

from consonance.lib.http import ServiceError

EventKind = Literal["paid", "failed", "cancelled", "refunded", "refund_failed", "pending", "payout"]


class ProviderError(ServiceError):
    """The provider refused a request or could not be reached; the message has no personal data."""


class WebhookRejected(Exception):
    """A callback failed verification (bad signature, stale timestamp, malformed body)."""


@dataclass(frozen=True, slots=True)
class PaymentStart:
    provider_ref: str  # the provider's id for this payment (session, order, instruction id)
    redirect_url: str | None = None  # where the browser goes next (Stripe, PayPal)
    token: str | None = None  # e.g. Swish PaymentRequestToken for the app switch / QR code


@dataclass(frozen=True, slots=True)
class ProviderEvent:
    event_id: str  # unique per provider: replays with the same id must change nothing
    provider_ref: str  # the same id as PaymentStart.provider_ref (or the refund's id)
    kind: EventKind
    occurred_at: datetime | None = None
    amount: Decimal | None = None
    currency: str | None = None
    payment_ref: str | None = None  # id to refund against (payment intent, capture, Swish ref)
    # The most a provider may pass on about the payer (P6, P7): never a CVC or full card number.
    payer_name: str | None = None
    payer_email: str | None = None
    card_last4: str | None = None
    card_expiry: date | None = None
    raw_type: str = ""  # the provider's own event name, for the audit trail
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class FeeReport:
    """A provider's fee on one payment, read from its own record of the payment."""

    amount: Decimal
    currency: str
    fee_ref: str  # the provider's id for the fee's transaction (a fee is booked once per id)
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class RefundResult:
    refund_ref: str
    status: Literal["done", "pending", "failed"]


class PaymentProvider(Protocol):
    name: str  # "stripe", "paypal", "swish", "bankgiro"

    def start_payment(
        self,
        *,
        reference: str,
        amount: Decimal,
        currency: str,
        description: str,
        payer_email: str,
        return_url: str,
        cancel_url: str,
        callback_url: str,
        idempotency_key: str,
    ) -> PaymentStart: ...

    def parse_callback(
        self, *, body: bytes, headers: dict[str, str], now: datetime
    ) -> ProviderEvent: ...

    def refund(
        self,
        *,
        payment_ref: str,
        amount: Decimal,
        currency: str,
        reference: str,
        callback_url: str,
        idempotency_key: str,
    ) -> RefundResult: ...
