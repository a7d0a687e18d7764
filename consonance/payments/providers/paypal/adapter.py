"""PayPal Orders v2 adapter: create an order, capture it on return, refund, verify webhooks.

The browser goes to PayPal (the `payer-action` link), comes back to `return_url` with
`?token=<order id>`, and the return view calls `capture(order_id)`, which returns the `paid`
event. Webhooks are a safety net for payers who never come back:

- CHECKOUT.ORDER.APPROVED: `pending`, extra["next_action"] = "capture": the caller should call
  `capture(provider_ref)` if it has not yet (capturing twice is safe, see `capture`);
- PAYMENT.CAPTURE.COMPLETED / PENDING / DENIED: `paid` / `pending` / `failed`;
- PAYMENT.CAPTURE.REFUNDED: `refunded`, provider_ref = the refund id, payment_ref = the capture.

Webhooks are verified by PayPal's verify-webhook-signature endpoint. If that endpoint cannot be
reached we raise ProviderError (answer 5xx so PayPal retries), not WebhookRejected.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

import httpx

from consonance.lib.http import BearerAuth, OwnsClient, ServiceClient, TokenCache, describe
from consonance.lib.jsonlimits import read_json
from consonance.payments.providers.base import (
    EventKind,
    PaymentStart,
    ProviderError,
    ProviderEvent,
    RefundResult,
    WebhookRejected,
)
from consonance.payments.providers.stripe.adapter import IgnoredEvent

__all__ = ["IgnoredEvent", "PayPalAPIError", "PayPalProvider"]

logger = logging.getLogger(__name__)

DEFAULT_API_BASE = "https://api-m.paypal.com"
SANDBOX_API_BASE = "https://api-m.sandbox.paypal.com"
MAX_REQUEST_ID = 108  # PayPal-Request-Id limit
WEBHOOK_TOLERANCE = 300  # seconds between PayPal's signed transmission time and now
ZERO_DECIMAL_CURRENCIES = frozenset({"HUF", "JPY", "TWD"})

TRANSMISSION_HEADERS = {
    # verify-webhook-signature field -> webhook header
    "transmission_id": "paypal-transmission-id",
    "transmission_time": "paypal-transmission-time",
    "cert_url": "paypal-cert-url",
    "auth_algo": "paypal-auth-algo",
    "transmission_sig": "paypal-transmission-sig",
}

# PayPal ids are short upper-case alphanumerics; anything else must not reach a URL path.
_ID = re.compile(r"[A-Za-z0-9-]{1,64}")

_CAPTURE_KINDS: dict[str, EventKind] = {
    "COMPLETED": "paid",
    # An older capture read back from the order: it was paid; refunds arrive separately.
    "PARTIALLY_REFUNDED": "paid",
    "REFUNDED": "paid",
    "PENDING": "pending",
    "DECLINED": "failed",
    "FAILED": "failed",
}


class PayPalAPIError(ProviderError):
    """PayPal answered with an error. Only the error name, the first issue code and the debug
    id are kept: PayPal's descriptions and `details[].value` can echo what we sent."""

    def __init__(
        self, action: str, status: int, *, name: str = "", issue: str = "", debug_id: str = ""
    ) -> None:
        self.status = status
        self.name = name
        self.issue = issue
        self.debug_id = debug_id
        detail = "/".join(part for part in (name, issue) if part) or "no error code"
        suffix = f" (debug id {debug_id})" if debug_id else ""
        super().__init__(f"PayPal {action} failed: HTTP {status}, {detail}{suffix}")


class PayPalProvider(OwnsClient[ServiceClient]):
    """PayPal Checkout for one REST app. Thread-safe: one token, renewed under a lock."""

    name = "paypal"

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        webhook_id: str,
        api_base: str = DEFAULT_API_BASE,
        timeout: float = 10.0,
        connect_timeout: float = 5.0,
        brand_name: str | None = None,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http_id = client_id
        self._http_secret = client_secret
        self._webhook_id = webhook_id
        self._brand_name = brand_name
        self._http = ServiceClient(
            "PayPal",
            base_url=api_base.rstrip("/"),
            timeout=timeout,
            connect_timeout=connect_timeout,
            transport=transport,
            unreachable=_unreachable,
        )
        # One token, renewed a minute before PayPal expires it and once after a 401 (revoked).
        self._auth = BearerAuth.cached(TokenCache(self._fetch_token, clock=clock))

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
        """Create an order (intent CAPTURE) and return the approval link as the redirect.

        `payer_email` is not sent: PayPal learns the payer from their own login, and we share no
        more than we must. `callback_url` is unused: webhooks are configured per app.
        """
        experience: dict[str, str] = {
            "return_url": return_url,
            "cancel_url": cancel_url,
            "user_action": "PAY_NOW",
            "shipping_preference": "NO_SHIPPING",
        }
        if self._brand_name:
            experience["brand_name"] = self._brand_name[:127]
        order = {
            "intent": "CAPTURE",
            "purchase_units": [
                {
                    "reference_id": reference,
                    "custom_id": reference,  # comes back on captures and refunds
                    "description": description[:127],
                    "amount": {
                        "currency_code": currency.upper(),
                        "value": amount_value(amount, currency),
                    },
                }
            ],
            "payment_source": {"paypal": {"experience_context": experience}},
        }
        created = self._request(
            "POST",
            "/v2/checkout/orders",
            "create order",
            json_body=order,
            request_id=idempotency_key,
        )
        order_id = created.get("id")
        link = _link(created, "payer-action") or _link(created, "approve")
        if not isinstance(order_id, str) or not link:
            raise ProviderError("PayPal create order failed: response without id or approve link")
        return PaymentStart(provider_ref=order_id, redirect_url=link)

    def capture(self, order_id: str) -> ProviderEvent:
        """Capture an approved order; returns `paid` (or `pending`/`failed`) with the capture id
        as payment_ref and the payer's name and e-mail (nothing else about the payer, P7).

        Safe to repeat: an order can be captured once, so a repeat (a double-clicked return, a
        retry after a timeout, the webhook path racing the return view) reads the order back.
        No PayPal-Request-Id is sent, so a declined attempt is never replayed from PayPal's
        cache after the payer picks another funding source.

        Raises PayPalAPIError for an order that is not approved (issue ORDER_NOT_APPROVED) or
        whose funding was declined (INSTRUMENT_DECLINED: send the payer back to the approve
        link), and ValueError for an order id that is not PayPal-shaped.
        """
        path = f"/v2/checkout/orders/{_checked_id(order_id)}"
        try:
            order = self._request("POST", f"{path}/capture", "capture order", json_body={})
        except PayPalAPIError as exc:
            if exc.issue != "ORDER_ALREADY_CAPTURED":
                raise
            order = self._request("GET", path, "read order")
        return _capture_event(order)

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
        """Refund all or part of a capture (`payment_ref` is the capture id)."""
        body = {
            "amount": {"currency_code": currency.upper(), "value": amount_value(amount, currency)},
            "custom_id": reference,
        }
        refund = self._request(
            "POST",
            f"/v2/payments/captures/{_checked_id(payment_ref)}/refund",
            "refund",
            json_body=body,
            request_id=idempotency_key,
        )
        refund_id = refund.get("id")
        if not isinstance(refund_id, str):
            raise ProviderError("PayPal refund failed: response without id")
        return RefundResult(refund_ref=refund_id, status=_refund_status(refund.get("status")))

    # -- Webhooks -------------------------------------------------------------------------

    def parse_callback(
        self, *, body: bytes, headers: dict[str, str], now: datetime
    ) -> ProviderEvent:
        """Verify a webhook with PayPal and turn it into a ProviderEvent.

        PayPal signs the transmission time: a transmission more than WEBHOOK_TOLERANCE seconds
        from `now` is refused even when genuinely signed (a replay), as Stripe's are; replays
        within the window are caught by the caller's deduplication on event_id.
        """
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        transmission = _transmission_fields(headers)
        sent = _timestamp(transmission["transmission_time"])
        if sent is None or abs((now - sent).total_seconds()) > WEBHOOK_TOLERANCE:
            raise WebhookRejected("transmission time missing or outside tolerance")
        event = _load_event(body)
        self._verify(body, transmission)
        return _event_from_paypal(event)

    def _verify(self, body: bytes, transmission: dict[str, str]) -> None:
        fields = {**transmission, "webhook_id": self._webhook_id}
        # The raw event is spliced in rather than re-serialised: PayPal checks its signature
        # against the bytes it sent, and re-encoding can change them (number formats, escapes).
        prefix = json.dumps(fields)[:-1].encode()
        content = prefix + b', "webhook_event": ' + body.strip() + b"}"
        try:
            result = self._request(
                "POST",
                "/v1/notifications/verify-webhook-signature",
                "verify webhook",
                content=content,
            )
        except PayPalAPIError as exc:
            if exc.status in (400, 422):  # PayPal refused the headers themselves
                raise WebhookRejected("PayPal refused the verification request") from None
            raise
        if result.get("verification_status") != "SUCCESS":
            raise WebhookRejected("PayPal did not verify the signature")

    # -- HTTP and the access token ----------------------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        action: str,
        *,
        json_body: Any = None,
        content: bytes | None = None,
        request_id: str | None = None,
    ) -> dict[str, Any]:
        headers = {"Content-Type": "application/json"}
        if request_id:
            headers["PayPal-Request-Id"] = _bounded_request_id(request_id)
        if json_body is not None:
            content = json.dumps(json_body).encode()
        response = self._http.request(
            method,
            path,
            action=action,
            idempotent=bool(request_id) or None,  # PayPal replays a known request id
            auth=self._auth,
            headers=headers,
            content=content,
        )
        return _json_or_error(response, action)

    def _fetch_token(self) -> tuple[str, float]:
        response = self._http.request(
            "POST",
            "/v1/oauth2/token",
            action="token request",
            auth=(self._http_id, self._http_secret),
            data={"grant_type": "client_credentials"},
            headers={"Accept": "application/json"},
        )
        data = _json_or_error(response, "token request")
        token, lifetime = data.get("access_token"), data.get("expires_in")
        if not isinstance(token, str) or not isinstance(lifetime, int | float):
            raise ProviderError("PayPal token request failed: response without token")
        return token, float(lifetime)


# -- Helpers ------------------------------------------------------------------------------


def amount_value(amount: Decimal, currency: str) -> str:
    """Decimal("500") -> "500.00" (PayPal wants a string). Refuses amounts that would round."""
    places = Decimal(1) if currency.upper() in ZERO_DECIMAL_CURRENCIES else Decimal("0.01")
    value = amount.quantize(places)
    if amount <= 0 or value != amount:
        raise ValueError("amount must be positive with at most two decimals")
    return str(value)


def _checked_id(value: str) -> str:
    if not _ID.fullmatch(value):
        raise ValueError("not a PayPal id")
    return value


def _unreachable(error: httpx.HTTPError, action: str) -> ProviderError:
    return ProviderError(f"PayPal {action} failed: {describe(error)}")


def _bounded_request_id(key: str) -> str:
    # Hashing keeps an over-long key deterministic, so retries stay idempotent.
    if len(key) <= MAX_REQUEST_ID:
        return key
    return hashlib.sha256(key.encode()).hexdigest()


def _json_or_error(response: httpx.Response, action: str) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        data = None
    if response.is_success:
        if not isinstance(data, dict):
            raise PayPalAPIError(action, response.status_code, name="INVALID_JSON")
        return data
    logger.warning("PayPal %s failed with HTTP %s", action, response.status_code)
    raise PayPalAPIError(action, response.status_code, **_error_codes(data))


def _error_codes(data: object) -> dict[str, str]:
    if not isinstance(data, dict):
        return {}
    if "error" in data and isinstance(data["error"], str):  # OAuth style
        return {"name": data["error"]}
    details = data.get("details")
    first = details[0] if isinstance(details, list) and details else {}
    return {
        "name": str(data.get("name") or ""),
        "issue": str(first.get("issue") or "") if isinstance(first, dict) else "",
        "debug_id": str(data.get("debug_id") or ""),
    }


def _refund_status(status: object) -> Literal["done", "pending", "failed"]:
    if status == "COMPLETED":
        return "done"
    if status == "PENDING":
        return "pending"
    return "failed"  # CANCELLED, FAILED


def _link(resource: Mapping[str, Any], rel: str) -> str | None:
    for link in resource.get("links") or []:
        if isinstance(link, dict) and link.get("rel") == rel and isinstance(link.get("href"), str):
            return link["href"]
    return None


def _transmission_fields(headers: Mapping[str, str]) -> dict[str, str]:
    lowered = {key.lower(): value for key, value in headers.items()}
    fields = {field: lowered.get(header, "") for field, header in TRANSMISSION_HEADERS.items()}
    if not all(fields.values()):
        raise WebhookRejected("missing PayPal transmission headers")
    return fields


def _reject_constant(name: str) -> Any:
    raise ValueError(name)


def _load_event(body: bytes) -> dict[str, Any]:
    try:
        event = read_json(body, parse_constant=_reject_constant)
    except ValueError:
        raise WebhookRejected("malformed JSON body") from None
    if not isinstance(event, dict):
        raise WebhookRejected("event is not an object")
    if not isinstance(event.get("id"), str) or not isinstance(event.get("event_type"), str):
        raise WebhookRejected("event without id or event_type")
    if not isinstance(event.get("resource"), dict):
        raise WebhookRejected("event without resource")
    return event


def _timestamp(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _money(amount: object) -> tuple[Decimal | None, str | None]:
    if not isinstance(amount, dict):
        return None, None
    try:
        value = Decimal(str(amount.get("value")))
    except ArithmeticError:
        value = None
    currency = amount.get("currency_code")
    return value, currency.upper() if isinstance(currency, str) else None


def _fee_extra(capture: Mapping[str, Any]) -> dict[str, str]:
    """PayPal's fee on a capture (seller_receivable_breakdown.paypal_fee), when reported."""
    breakdown = capture.get("seller_receivable_breakdown") or {}
    fee, currency = _money(breakdown.get("paypal_fee") if isinstance(breakdown, dict) else None)
    if fee is None or currency is None:
        return {}
    return {"fee": str(fee), "fee_currency": currency, "fee_ref": str(capture.get("id") or "")}


def _payer(order: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """Name and e-mail only; PayPal's payer id, address and phone are left behind."""
    payer = order.get("payer") or ((order.get("payment_source") or {}).get("paypal") or {})
    name = payer.get("name") or {}
    full = " ".join(part for part in (name.get("given_name"), name.get("surname")) if part)
    return full or None, payer.get("email_address") or None


# -- Event mapping --------------------------------------------------------------------------


def _capture_event(order: dict[str, Any]) -> ProviderEvent:
    units = order.get("purchase_units") or [{}]
    captures = (units[0].get("payments") or {}).get("captures") or []
    if not captures:
        raise ProviderError("PayPal capture order failed: response without capture")
    capture = captures[0]
    if not isinstance(capture.get("id"), str):
        raise ProviderError("PayPal capture order failed: capture without id")
    status = str(capture.get("status") or "")
    amount, currency = _money(capture.get("amount"))
    payer_name, payer_email = _payer(order)
    extra = {"status": status, **_fee_extra(capture)}
    reference = capture.get("custom_id") or units[0].get("custom_id")
    if reference:
        extra["reference"] = str(reference)
    return ProviderEvent(
        # Not a webhook: an id of our own, stable for the same capture in the same state.
        event_id=f"capture:{capture.get('id')}:{status.lower()}",
        provider_ref=str(order.get("id") or ""),
        kind=_CAPTURE_KINDS.get(status, "pending"),
        occurred_at=_timestamp(capture.get("update_time") or capture.get("create_time")),
        amount=amount,
        currency=currency,
        payment_ref=capture.get("id"),
        payer_name=payer_name,
        payer_email=payer_email,
        raw_type="capture",
        extra=extra,
    )


_WEBHOOK_CAPTURE_KINDS: dict[str, EventKind] = {
    "PAYMENT.CAPTURE.COMPLETED": "paid",
    "PAYMENT.CAPTURE.PENDING": "pending",
    "PAYMENT.CAPTURE.DENIED": "failed",
}


def _event_from_paypal(event: dict[str, Any]) -> ProviderEvent:
    event_type: str = event["event_type"]
    resource: dict[str, Any] = event["resource"]
    common: dict[str, Any] = {
        "event_id": event["id"],
        "raw_type": event_type,
        "occurred_at": _timestamp(event.get("create_time")),
    }
    if event_type in _WEBHOOK_CAPTURE_KINDS:
        return ProviderEvent(
            kind=_WEBHOOK_CAPTURE_KINDS[event_type], **_capture_fields(resource), **common
        )
    if event_type == "PAYMENT.CAPTURE.REFUNDED":
        return ProviderEvent(kind="refunded", **_refund_fields(resource), **common)
    if event_type == "CHECKOUT.ORDER.APPROVED":
        return ProviderEvent(kind="pending", **_approved_fields(resource), **common)
    raise IgnoredEvent(f"ignored event type {event_type}")


def _capture_fields(capture: dict[str, Any]) -> dict[str, Any]:
    amount, currency = _money(capture.get("amount"))
    related = (capture.get("supplementary_data") or {}).get("related_ids") or {}
    extra = {"status": str(capture.get("status") or ""), **_fee_extra(capture)}
    if capture.get("custom_id"):
        extra["reference"] = str(capture["custom_id"])
    return {
        "provider_ref": str(related.get("order_id") or ""),
        "payment_ref": capture.get("id"),
        "amount": amount,
        "currency": currency,
        "extra": extra,
    }


def _refund_fields(refund: dict[str, Any]) -> dict[str, Any]:
    amount, currency = _money(refund.get("amount"))
    # The refund links "up" to its capture: .../v2/payments/captures/<capture id>
    up = _link(refund, "up") or ""
    capture_id = up.rstrip("/").rsplit("/", 1)[-1] if "/captures/" in up else None
    extra = {"status": str(refund.get("status") or "")}
    total, _ = _money((refund.get("seller_payable_breakdown") or {}).get("total_refunded_amount"))
    if total is not None:
        extra["refunded_total"] = str(total)
    if refund.get("custom_id"):
        extra["reference"] = str(refund["custom_id"])
    return {
        "provider_ref": str(refund.get("id") or ""),
        "payment_ref": capture_id,
        "amount": amount,
        "currency": currency,
        "extra": extra,
    }


def _approved_fields(order: dict[str, Any]) -> dict[str, Any]:
    units = order.get("purchase_units") or [{}]
    amount, currency = _money(units[0].get("amount"))
    payer_name, payer_email = _payer(order)
    extra = {"next_action": "capture"}
    if units[0].get("custom_id"):
        extra["reference"] = str(units[0]["custom_id"])
    return {
        "provider_ref": str(order.get("id") or ""),
        "amount": amount,
        "currency": currency,
        "payer_name": payer_name,
        "payer_email": payer_email,
        "extra": extra,
    }
