"""Stripe Checkout adapter: Checkout Sessions, signed webhooks and refunds over plain HTTP.

We talk to the REST API with httpx rather than the `stripe` package: we need two endpoints,
the webhook check must use the `now` we are given (the library reads the system clock), and
an instance with its own key and API base keeps no global state.

Events handled by `parse_callback` (configure the webhook endpoint to send only these):

- checkout.session.completed: `paid` when payment_status is paid (or no payment was required),
  `pending` while an asynchronous method (bank debit) is still settling; a paid event names its
  payment intent by id, so the intent is read with its latest charge expanded
  (`payment_method_details.card.last4/exp_month/exp_year`, and the fee) before it is returned;
- checkout.session.async_payment_succeeded / _failed: `paid` / `failed`;
- checkout.session.expired: `cancelled`;
- charge.refunded: `refunded`; provider_ref is the newest refund's id when the API version
  still lists refunds on the charge (else the charge id); `amount` and extra["refunded_total"]
  are the total refunded so far on the charge, extra["fully_refunded"] is "true"/"false";
- charge.refund.updated, refund.updated, refund.failed: `refund_failed` when the refund failed;
- payout.paid: `payout`, provider_ref the payout's id, amount what reached the bank account,
  extra["arrival_date"] the day it arrived (ISO, the date Stripe gives).

Checkout's events never carry the fee: `payment_fee()` reads it afterwards from the charge's
balance transaction.

Any other (correctly signed) event raises `IgnoredEvent`, which callers should answer with 200 so
Stripe stops retrying.

Every request names the API version (`Stripe-Version: API_VERSION`): without it a response follows
whatever default the account happens to have, and an upgrade in Stripe's dashboard could change
what this adapter reads. Create the webhook endpoint with the same version, so that events have
the same shape. Move the pin only after reading Stripe's changelog against this module.
"""

from __future__ import annotations

import calendar
import dataclasses
import hashlib
import hmac
import logging
import re
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Literal

import httpx

from consonance.lib.http import OwnsClient, ServiceClient, describe
from consonance.lib.jsonlimits import read_json
from consonance.payments.providers.base import (
    EventKind,
    FeeReport,
    PaymentStart,
    ProviderError,
    ProviderEvent,
    RefundResult,
    WebhookRejected,
)

logger = logging.getLogger(__name__)

DEFAULT_API_BASE = "https://api.stripe.com"
# The API version this adapter was checked against (sent on every request; see above).
API_VERSION = "2025-08-27.basil"
SIGNATURE_HEADER = "stripe-signature"
MAX_IDEMPOTENCY_KEY = 255

# Currencies Stripe counts in whole units rather than hundredths.
ZERO_DECIMAL_CURRENCIES = frozenset(
    {"BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA"}
    | {"PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"}
)


class IgnoredEvent(WebhookRejected):
    """A genuine, correctly signed event that we do not act on; acknowledge it with 200."""


class StripeAPIError(ProviderError):
    """Stripe answered with an error. Only codes and ids are kept: Stripe's own message text
    can echo submitted values (an e-mail address, a name), so it is never stored here."""

    def __init__(
        self,
        action: str,
        status: int,
        *,
        error_type: str = "",
        code: str = "",
        request_id: str = "",
    ) -> None:
        self.status = status
        self.error_type = error_type
        self.code = code
        self.request_id = request_id
        detail = "/".join(part for part in (error_type, code) if part) or "no error code"
        suffix = f" (request {request_id})" if request_id else ""
        super().__init__(f"Stripe {action} failed: HTTP {status}, {detail}{suffix}")


class StripeProvider(OwnsClient[ServiceClient]):
    """Stripe Checkout for one account. Thread-safe: the httpx client is shared."""

    name = "stripe"

    def __init__(
        self,
        *,
        secret_key: str,
        webhook_secret: str,
        api_base: str = DEFAULT_API_BASE,
        timeout: float = 10.0,
        connect_timeout: float = 5.0,
        signature_tolerance: int = 300,
        api_version: str = API_VERSION,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._webhook_secret = webhook_secret.encode()
        self._tolerance = signature_tolerance
        self._http = ServiceClient(
            "Stripe",
            base_url=api_base.rstrip("/"),
            timeout=timeout,
            connect_timeout=connect_timeout,
            headers={"Authorization": f"Bearer {secret_key}", "Stripe-Version": api_version},
            transport=transport,
            unreachable=_unreachable,
        )

    # -- Payments -------------------------------------------------------------------------

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
    ) -> PaymentStart:
        """Create a Checkout Session and return its hosted page as the redirect.

        `callback_url` is unused: Stripe webhooks are configured per account, not per session.
        Put `{CHECKOUT_SESSION_ID}` in `return_url` if the return view wants the session id.
        """
        params: dict[str, Any] = {
            "mode": "payment",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": currency.lower(),
                        "unit_amount": to_minor_units(amount, currency),
                        "product_data": {"name": description},
                    },
                }
            ],
            "client_reference_id": reference,
            "metadata": {"reference": reference},
            # Copied onto the payment intent and its charge, so refund events carry it too.
            "payment_intent_data": {"metadata": {"reference": reference}},
            "customer_email": payer_email or None,  # None is left out of the form
            "success_url": return_url,
            "cancel_url": cancel_url,
        }
        session = self._post("/v1/checkout/sessions", params, idempotency_key, "create session")
        session_id, url = session.get("id"), session.get("url")
        if not isinstance(session_id, str) or not isinstance(url, str):
            raise ProviderError("Stripe create session failed: response without id or url")
        return PaymentStart(provider_ref=session_id, redirect_url=url)

    def refund(
        self,
        *,
        payment_ref: str,
        amount: Decimal,
        currency: str,
        reference: str,
        callback_url: str,
        idempotency_key: str,
    ) -> RefundResult:
        """Refund `amount` (all or part) of a payment intent; the outcome may come later by
        webhook (`charge.refunded`, or `refund_failed`)."""
        params = {
            "payment_intent": payment_ref,
            "amount": to_minor_units(amount, currency),
            "metadata": {"reference": reference},
        }
        refund = self._post("/v1/refunds", params, idempotency_key, "refund")
        refund_id = refund.get("id")
        if not isinstance(refund_id, str):
            raise ProviderError("Stripe refund failed: response without id")
        return RefundResult(refund_ref=refund_id, status=_refund_status(refund.get("status")))

    def payment_fee(self, payment_ref: str) -> FeeReport | None:
        """Stripe's fee on a payment intent's charge, from the charge's balance transaction:
        the intent is read with its latest charge expanded (for the balance transaction's id),
        then `GET /v1/balance_transactions/{id}`. None while the charge has no balance
        transaction yet (still settling): ask again later. Raises ProviderError."""
        if not _STRIPE_ID.fullmatch(payment_ref):
            raise ProviderError("Stripe fee lookup failed: not a payment intent id")
        intent = self._get(
            f"/v1/payment_intents/{payment_ref}", {"expand": ["latest_charge"]}, "read intent"
        )
        charge = intent.get("latest_charge")
        balance_id = _id_of(charge.get("balance_transaction")) if isinstance(charge, dict) else None
        if not balance_id or not _STRIPE_ID.fullmatch(balance_id):
            return None
        balance = self._get(f"/v1/balance_transactions/{balance_id}", {}, "read balance")
        currency = str(balance.get("currency") or "").upper()
        fee = balance.get("fee")
        if not isinstance(fee, int) or not currency:
            raise ProviderError("Stripe fee lookup failed: balance transaction without fee")
        return FeeReport(
            amount=from_minor_units(fee, currency),
            currency=currency,
            fee_ref=balance_id,
            at=_timestamp(balance.get("created")),
        )

    # -- Webhooks -------------------------------------------------------------------------

    def parse_callback(
        self, *, body: bytes, headers: dict[str, str], now: datetime
    ) -> ProviderEvent:
        """Verify the Stripe-Signature header and turn the event into a ProviderEvent."""
        self.verify_signature(body, headers, now)
        event = _event_from_stripe(_load_event(body))
        if event.kind == "paid" and event.card_last4 is None and event.payment_ref:
            event = self._with_card(event)
        return event

    def _with_card(self, event: ProviderEvent) -> ProviderEvent:
        """Stripe's events name the payment intent by id: ask for it with its latest charge to
        learn the card's last four digits and expiry (P6), and the fee. Without them the payment
        still counts: a failed look-up is logged and the event goes on as it is."""
        try:
            intent = self._get(
                f"/v1/payment_intents/{event.payment_ref}",
                {"expand": ["latest_charge.balance_transaction"]},
                "read payment intent",
            )
        except ProviderError as error:
            logger.warning("Stripe card details not read: %s", error)
            return event
        last4, expiry = _card_details(intent)
        extra = {**_fee_extra(intent), **event.extra}
        return dataclasses.replace(event, card_last4=last4, card_expiry=expiry, extra=extra)

    def verify_signature(self, body: bytes, headers: Mapping[str, str], now: datetime) -> None:
        """Raise WebhookRejected unless a v1 signature matches and the timestamp is fresh."""
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        header = _header(headers, SIGNATURE_HEADER)
        if not header:
            raise WebhookRejected("missing Stripe-Signature header")
        timestamp, signatures = _parse_signature_header(header)
        if abs(now.timestamp() - timestamp) > self._tolerance:
            raise WebhookRejected("signature timestamp outside tolerance")
        signed = f"{timestamp}.".encode() + body
        expected = hmac.new(self._webhook_secret, signed, hashlib.sha256).hexdigest()
        if not any(hmac.compare_digest(expected, sig) for sig in signatures):
            raise WebhookRejected("no matching signature")

    # -- HTTP -----------------------------------------------------------------------------

    def _get(self, path: str, params: Mapping[str, Any], action: str) -> dict[str, Any]:
        response = self._http.request("GET", path, action=action, params=list(form_fields(params)))
        return _json_or_error(response, action)

    def _post(
        self, path: str, params: Mapping[str, Any], idempotency_key: str, action: str
    ) -> dict[str, Any]:
        response = self._http.request(
            "POST",
            path,
            action=action,
            idempotent=True,  # the key makes a second sending a replay at Stripe
            data=dict(form_fields(params)),
            headers={"Idempotency-Key": _bounded_key(idempotency_key)},
        )
        return _json_or_error(response, action)


# Stripe's ids ("pi_...", "txn_..."): anything else must not reach a URL path.
_STRIPE_ID = re.compile(r"[A-Za-z0-9_]{3,255}")


# -- Helpers (module level so tests and fakes can use them) -----------------------------------


def to_minor_units(amount: Decimal, currency: str) -> int:
    """500.00 SEK -> 50000 öre. Refuses amounts that would be rounded."""
    factor = 1 if currency.upper() in ZERO_DECIMAL_CURRENCIES else 100
    minor = amount * factor
    if amount <= 0 or minor != minor.to_integral_value():
        raise ValueError("amount must be positive with at most two decimals")
    return int(minor)


def from_minor_units(minor: int, currency: str) -> Decimal:
    if currency.upper() in ZERO_DECIMAL_CURRENCIES:
        return Decimal(minor)
    return (Decimal(minor) / 100).quantize(Decimal("0.01"))


def form_fields(params: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    """Flatten nested dicts and lists into Stripe's form keys:
    {"line_items": [{"price_data": {"currency": "sek"}}]} -> line_items[0][price_data][currency].
    """
    for key, value in params.items():
        name = f"{prefix}[{key}]" if prefix else str(key)
        yield from _form_value(name, value)


def _form_value(name: str, value: Any) -> Iterator[tuple[str, str]]:
    if isinstance(value, Mapping):
        yield from form_fields(value, name)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _form_value(f"{name}[{index}]", item)
    elif isinstance(value, bool):
        yield name, "true" if value else "false"
    elif value is not None:
        yield name, str(value)


def _unreachable(error: httpx.HTTPError, action: str) -> ProviderError:
    return ProviderError(f"Stripe {action} failed: {describe(error)}")


def _bounded_key(key: str) -> str:
    # Stripe caps idempotency keys at 255 characters; hashing keeps a long key deterministic.
    if len(key) <= MAX_IDEMPOTENCY_KEY:
        return key
    return hashlib.sha256(key.encode()).hexdigest()


def _json_or_error(response: httpx.Response, action: str) -> dict[str, Any]:
    request_id = response.headers.get("request-id", "")
    if response.is_success:
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise StripeAPIError(action, response.status_code, code="invalid_json")
        return data
    error: dict[str, Any] = {}
    try:
        payload = response.json()
        if isinstance(payload, dict) and isinstance(payload.get("error"), dict):
            error = payload["error"]
    except ValueError:
        pass
    logger.warning("Stripe %s failed with HTTP %s", action, response.status_code)
    raise StripeAPIError(
        action,
        response.status_code,
        error_type=str(error.get("type") or ""),
        code=str(error.get("code") or ""),
        request_id=request_id,
    )


def _refund_status(status: object) -> Literal["done", "pending", "failed"]:
    if status == "succeeded":
        return "done"
    if status in ("failed", "canceled"):
        return "failed"
    return "pending"  # pending, requires_action


def _header(headers: Mapping[str, str], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return ""


def _parse_signature_header(header: str) -> tuple[int, list[str]]:
    timestamp: int | None = None
    signatures: list[str] = []
    for item in header.split(","):
        key, sep, value = item.strip().partition("=")
        if not sep:
            continue
        if key == "t":
            # At most 12 digits: a longer number is no Unix time (and would overflow a float).
            if not (value.isascii() and value.isdigit() and len(value) <= 12):
                raise WebhookRejected("malformed signature timestamp")
            timestamp = int(value)
        elif key == "v1" and len(value) == 64 and all(c in "0123456789abcdef" for c in value):
            # A v1 signature is 64 hex digits; anything else (non-ASCII included) cannot match.
            signatures.append(value)
    if timestamp is None:
        raise WebhookRejected("signature header without timestamp")
    if not signatures:
        raise WebhookRejected("signature header without v1 signature")
    return timestamp, signatures


def _load_event(body: bytes) -> dict[str, Any]:
    try:
        event = read_json(body)
    except ValueError:
        raise WebhookRejected("malformed JSON body") from None
    if not isinstance(event, dict):
        raise WebhookRejected("event is not an object")
    data = event.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    if not isinstance(event.get("id"), str) or not isinstance(event.get("type"), str):
        raise WebhookRejected("event without id or type")
    if not isinstance(obj, dict):
        raise WebhookRejected("event without data.object")
    return event


# -- Event mapping ----------------------------------------------------------------------------


def _event_from_stripe(event: dict[str, Any]) -> ProviderEvent:
    event_type: str = event["type"]
    obj: dict[str, Any] = event["data"]["object"]
    common = {
        "event_id": event["id"],
        "raw_type": event_type,
        "occurred_at": _timestamp(event.get("created")),
    }
    if event_type.startswith("checkout.session."):
        kind = _session_kind(event_type, obj)
        if kind is None:
            raise IgnoredEvent(f"ignored event type {event_type}")
        return ProviderEvent(kind=kind, **_session_fields(obj), **common)
    if event_type == "charge.refunded":
        return ProviderEvent(kind="refunded", **_charge_refund_fields(obj), **common)
    if event_type == "payout.paid":
        return ProviderEvent(kind="payout", **_payout_fields(obj), **common)
    refund_update = event_type in ("charge.refund.updated", "refund.updated", "refund.failed")
    if refund_update and obj.get("status") in ("failed", "canceled"):
        return ProviderEvent(kind="refund_failed", **_refund_fields(obj), **common)
    raise IgnoredEvent(f"ignored event type {event_type}")


def _session_kind(event_type: str, session: dict[str, Any]) -> EventKind | None:
    match event_type:
        case "checkout.session.completed":
            status = session.get("payment_status")
            return "paid" if status in ("paid", "no_payment_required") else "pending"
        case "checkout.session.async_payment_succeeded":
            return "paid"
        case "checkout.session.async_payment_failed":
            return "failed"
        case "checkout.session.expired":
            return "cancelled"
    return None


def _session_fields(session: dict[str, Any]) -> dict[str, Any]:
    currency = str(session.get("currency") or "").upper() or None
    amount = session.get("amount_total")
    details = session.get("customer_details") or {}
    last4, expiry = _card_details(session.get("payment_intent"))
    reference = session.get("client_reference_id") or (session.get("metadata") or {}).get(
        "reference"
    )
    return {
        "provider_ref": session.get("id") or "",
        "payment_ref": _id_of(session.get("payment_intent")),
        "amount": _amount(amount, currency),
        "currency": currency,
        "payer_name": details.get("name") or None,
        "payer_email": details.get("email") or None,
        "card_last4": last4,
        "card_expiry": expiry,
        "extra": {
            **({"reference": reference} if reference else {}),
            **_fee_extra(session.get("payment_intent")),
        },
    }


def _fee_extra(payment_intent: object) -> dict[str, str]:
    """Stripe's fee, when the event carries the charge's balance transaction expanded
    (payment_intent.latest_charge.balance_transaction.fee, in minor units)."""
    if not isinstance(payment_intent, dict) or not isinstance(
        payment_intent.get("latest_charge"), dict
    ):
        return {}
    balance = payment_intent["latest_charge"].get("balance_transaction")
    if not isinstance(balance, dict) or not isinstance(balance.get("fee"), int):
        return {}
    currency = str(balance.get("currency") or "").upper()
    if not currency:
        return {}
    return {
        "fee": str(from_minor_units(balance["fee"], currency)),
        "fee_currency": currency,
        "fee_ref": str(balance.get("id") or ""),
    }


def _charge_refund_fields(charge: dict[str, Any]) -> dict[str, Any]:
    currency = str(charge.get("currency") or "").upper() or None
    refunded = charge.get("amount_refunded")
    refunds = (charge.get("refunds") or {}).get("data") or []
    # Newer API versions leave the refund list out; fall back to the charge id.
    latest = refunds[0].get("id") if refunds and isinstance(refunds[0], dict) else None
    extra = {
        "charge": str(charge.get("id") or ""),
        "fully_refunded": str(bool(charge.get("refunded"))).lower(),
    }
    total = _amount(refunded, currency)
    if total is not None:
        extra["refunded_total"] = str(total)
    reference = (charge.get("metadata") or {}).get("reference")
    if reference:
        extra["reference"] = str(reference)
    return {
        "provider_ref": latest or charge.get("id") or "",
        "payment_ref": _id_of(charge.get("payment_intent")),
        "amount": total,
        "currency": currency,
        "extra": extra,
    }


def _refund_fields(refund: dict[str, Any]) -> dict[str, Any]:
    currency = str(refund.get("currency") or "").upper() or None
    amount = refund.get("amount")
    extra = {"status": str(refund.get("status") or "")}
    if refund.get("failure_reason"):
        extra["failure_reason"] = str(refund["failure_reason"])
    return {
        "provider_ref": refund.get("id") or "",
        "payment_ref": _id_of(refund.get("payment_intent")),
        "amount": _amount(amount, currency),
        "currency": currency,
        "extra": extra,
    }


def _payout_fields(payout: dict[str, Any]) -> dict[str, Any]:
    """A payout that reached the bank: its id, amount and arrival date (a Unix time, midnight
    UTC of the day it arrives)."""
    currency = str(payout.get("currency") or "").upper() or None
    arrival = _timestamp(payout.get("arrival_date"))
    if not isinstance(payout.get("id"), str) or _amount(payout.get("amount"), currency) is None:
        raise WebhookRejected("payout without id or amount")
    extra = {"arrival_date": arrival.date().isoformat()} if arrival else {}
    return {
        "provider_ref": payout["id"],
        "amount": _amount(payout.get("amount"), currency),
        "currency": currency,
        "extra": extra,
    }


def _amount(minor: object, currency: str | None) -> Decimal | None:
    return from_minor_units(minor, currency) if isinstance(minor, int) and currency else None


def _id_of(value: object) -> str | None:
    """Stripe fields are either an id or, when expanded, the object itself."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return value["id"]
    return None


def _card_details(payment_intent: object) -> tuple[str | None, date | None]:
    """Last four digits and expiry, only when the payment intent was expanded into the event.

    Looks at the payment method, then at the latest charge; nothing else is read from the card.
    """
    if not isinstance(payment_intent, dict):
        return None, None
    candidates = [
        (payment_intent.get("payment_method") or {}).get("card")
        if isinstance(payment_intent.get("payment_method"), dict)
        else None,
        _charge_card(payment_intent.get("latest_charge")),
    ]
    for card in candidates:
        if isinstance(card, dict) and card.get("last4"):
            return str(card["last4"]), _month_end(card.get("exp_month"), card.get("exp_year"))
    return None, None


def _charge_card(charge: object) -> object:
    if not isinstance(charge, dict):
        return None
    details = charge.get("payment_method_details")
    return details.get("card") if isinstance(details, dict) else None


def _month_end(month: object, year: object) -> date | None:
    if not isinstance(month, int) or not isinstance(year, int) or not 1 <= month <= 12:
        return None
    return date(year, month, calendar.monthrange(year, month)[1])


def _timestamp(value: object) -> datetime | None:
    if isinstance(value, int):
        return datetime.fromtimestamp(value, tz=UTC)
    return None
