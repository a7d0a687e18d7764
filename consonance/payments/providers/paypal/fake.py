"""A local fake of the part of PayPal's REST API that Consonance uses, over real HTTP.

    with PayPalFake() as fake:
        provider = PayPalProvider(client_id=fake.client_id, client_secret=fake.client_secret,
                                  webhook_id=fake.webhook_id, api_base=fake.url)
        start = provider.start_payment(...)
        fake.approve(start.provider_ref)          # the payer clicks "Pay" at PayPal
        event = provider.capture(start.provider_ref)
        body, headers = fake.capture_webhook(event.payment_ref)   # verifiable webhook

It issues OAuth tokens (client credentials, Basic auth) and refuses unknown or revoked ones,
keeps orders, captures and refunds in memory, honours PayPal-Request-Id (a repeated id gets the
first successful answer), and runs /v1/notifications/verify-webhook-signature against its own
signatures: `webhook()` and friends produce headers it accepts, `forge()` headers it rejects.
Browsers can follow the approve link: GET /checkoutnow?token=<order> approves the order and
redirects to return_url?token=<order>&PayerID=..., as PayPal does.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import re
import secrets
import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit

from consonance.lib.loopback import LoopbackFake, Reply, basic_credentials, bearer_token

JSON = dict[str, Any]
AUTH_ALGO = "SHA256withRSA"


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    body: Any  # parsed JSON, or the form fields of a token request


@dataclass
class _Failure:
    status: int
    path: str | None
    body: JSON


class PayPalFake(LoopbackFake):
    """In-memory PayPal with a real HTTP listener on 127.0.0.1 and an ephemeral port."""

    def __init__(
        self,
        *,
        client_id: str = "fake-client-id",
        client_secret: str = "fake-client-secret",
        webhook_id: str = "WH-FAKE-0001",
        token_ttl: int = 32400,
    ) -> None:
        super().__init__()
        self.client_id = client_id
        self.client_secret = client_secret
        self.webhook_id = webhook_id
        self.token_ttl = token_ttl
        self.orders: dict[str, JSON] = {}
        self.captures: dict[str, JSON] = {}
        self.refunds: dict[str, JSON] = {}
        self.requests: list[RecordedRequest] = []
        self.verifications: list[str] = []  # "SUCCESS" / "FAILURE", in order
        # Status of the next captures: "PENDING" (e-cheque) or "DECLINED" model the slow paths.
        self.capture_status = "COMPLETED"
        self._tokens: set[str] = set()
        self._signing_key = secrets.token_bytes(32)  # stands in for PayPal's private key
        self._idempotency: dict[str, Reply] = {}
        self._failures: list[_Failure] = []
        self._lock = threading.RLock()

    @property
    def url(self) -> str:
        if not self.running:
            raise RuntimeError("PayPalFake is not running")
        return self.origin

    @property
    def cert_url(self) -> str:
        return f"{self.url}/v1/notifications/certs/CERT-FAKE"

    # -- Controls -------------------------------------------------------------------------

    @property
    def token_requests(self) -> int:
        return len(self.requests_to("/v1/oauth2/token"))

    def requests_to(self, path: str, method: str = "POST") -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == path and r.method == method]

    def revoke_tokens(self) -> None:
        """Invalidate every issued access token: the next API call gets 401."""
        with self._lock:
            self._tokens.clear()

    def fail_next(
        self,
        status: int,
        *,
        path: str | None = None,
        name: str = "INTERNAL_SERVER_ERROR",
        issue: str | None = None,
        description: str = "An internal server error has occurred.",
    ) -> None:
        """Make the next request (to `path`, if given) fail with a PayPal-shaped error body."""
        body: JSON = {"name": name, "message": description, "debug_id": secrets.token_hex(6)}
        if issue:
            body["details"] = [{"issue": issue, "description": description, "value": description}]
        with self._lock:
            self._failures.append(_Failure(status, path, body))

    def approve(
        self,
        order_id: str,
        *,
        given_name: str = "Test",
        surname: str = "Payer",
        email: str = "payer@example.com",
    ) -> str:
        """The payer approves at PayPal; returns the URL PayPal sends the browser back to."""
        with self._lock:
            order = self.orders[order_id]
            payer_id = secrets.token_hex(6).upper()
            payer = {
                "name": {"given_name": given_name, "surname": surname},
                "email_address": email,
                "payer_id": payer_id,
                "address": {"country_code": "SE"},
            }
            order.update(status="APPROVED", payer=payer, update_time=_now())
            order["payment_source"] = {"paypal": {**payer, "account_status": "VERIFIED"}}
            return_url = str(order["_return_url"])
        separator = "&" if "?" in return_url else "?"
        return f"{return_url}{separator}{urlencode({'token': order_id, 'PayerID': payer_id})}"

    # -- Webhooks -------------------------------------------------------------------------

    def webhook(
        self, event_type: str, resource: JSON, *, summary: str = ""
    ) -> tuple[bytes, dict[str, str]]:
        """A webhook around `resource` with headers the verify endpoint accepts."""
        event = {
            "id": f"WH-{secrets.token_hex(8).upper()}",
            "event_version": "1.0",
            "create_time": _now(),
            "resource_type": event_type.split(".")[1].lower(),
            "resource_version": "2.0",
            "event_type": event_type,
            "summary": summary or event_type,
            "resource": resource,
            "links": [],
        }
        body = json.dumps(event, indent=1).encode()
        return body, self.sign(body)

    def sign(self, body: bytes) -> dict[str, str]:
        """Fresh transmission headers for `body`: signing the same body again models a resend
        (same event id, new transmission)."""
        transmission_id = secrets.token_hex(16)
        transmission_time = _now()
        signature = self._signature(transmission_id, transmission_time, json.loads(body))
        return {
            "Content-Type": "application/json",
            "PAYPAL-TRANSMISSION-ID": transmission_id,
            "PAYPAL-TRANSMISSION-TIME": transmission_time,
            "PAYPAL-CERT-URL": self.cert_url,
            "PAYPAL-AUTH-ALGO": AUTH_ALGO,
            "PAYPAL-TRANSMISSION-SIG": signature,
        }

    def forge(self, body: bytes) -> dict[str, str]:
        """Well-formed transmission headers whose signature the verify endpoint rejects."""
        headers = self.sign(body)
        headers["PAYPAL-TRANSMISSION-SIG"] = base64.b64encode(secrets.token_bytes(32)).decode()
        return headers

    def order_approved_webhook(self, order_id: str) -> tuple[bytes, dict[str, str]]:
        with self._lock:
            order = _public(self.orders[order_id])
        return self.webhook("CHECKOUT.ORDER.APPROVED", order)

    def capture_webhook(self, capture_id: str) -> tuple[bytes, dict[str, str]]:
        """PAYMENT.CAPTURE.COMPLETED / PENDING / DENIED, after the capture's status."""
        with self._lock:
            capture = _public(self.captures[capture_id])
        kind = {"COMPLETED": "COMPLETED", "PENDING": "PENDING"}.get(capture["status"], "DENIED")
        return self.webhook(f"PAYMENT.CAPTURE.{kind}", capture)

    def settle_capture(
        self, capture_id: str, *, completed: bool = True
    ) -> tuple[bytes, dict[str, str]]:
        """A pending capture completes (or is denied): returns the webhook saying so."""
        with self._lock:
            self.captures[capture_id]["status"] = "COMPLETED" if completed else "DECLINED"
        return self.capture_webhook(capture_id)

    def refund_webhook(self, refund_id: str) -> tuple[bytes, dict[str, str]]:
        with self._lock:
            refund = _public(self.refunds[refund_id])
        return self.webhook("PAYMENT.CAPTURE.REFUNDED", refund)

    # -- Request handling (called from the server threads) --------------------------------

    def reply_headers(self) -> dict[str, str]:
        return {"Paypal-Debug-Id": secrets.token_hex(6)}

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Reply:
        split = urlsplit(target)
        path = split.path
        with self._lock:
            if method == "GET" and path == "/checkoutnow":
                return self._checkout_page(parse_qs(split.query).get("token", [""])[0])
            parsed = _parse_body(path, body)
            self.requests.append(RecordedRequest(method, path, headers, parsed))
            failure = self._take_failure(path)
            if failure is not None:
                return Reply(failure.status, failure.body)
            if path == "/v1/oauth2/token":
                return self._issue_token(headers, parsed)
            if bearer_token(headers) not in self._tokens:
                return Reply(401, {"error": "invalid_token", "error_description": "Token invalid"})
            if not isinstance(parsed, dict) and method == "POST":
                return _error(400, "INVALID_REQUEST", "MALFORMED_REQUEST_JSON")
            request_id = headers.get("paypal-request-id")
            if request_id and request_id in self._idempotency:
                return self._idempotency[request_id]
            reply = self._route(method, path, parsed)
            if request_id and reply.status < 300:  # only successes are replayed
                self._idempotency[request_id] = reply
            return reply

    def _take_failure(self, path: str) -> _Failure | None:
        for index, failure in enumerate(self._failures):
            if failure.path is None or failure.path == path:
                return self._failures.pop(index)
        return None

    def _route(self, method: str, path: str, body: Any) -> Reply:
        routes: list[tuple[str, str, Callable[..., Reply]]] = [
            ("POST", r"/v2/checkout/orders", self._create_order),
            ("GET", r"/v2/checkout/orders/(?P<oid>[\w-]+)", self._get_order),
            ("POST", r"/v2/checkout/orders/(?P<oid>[\w-]+)/capture", self._capture),
            ("POST", r"/v2/payments/captures/(?P<oid>[\w-]+)/refund", self._refund),
            ("POST", r"/v1/notifications/verify-webhook-signature", self._verify),
        ]
        for route_method, pattern, view in routes:
            match = re.fullmatch(pattern, path)
            if match and method == route_method:
                return view(body, **match.groupdict())
        return _error(404, "RESOURCE_NOT_FOUND", "INVALID_RESOURCE_ID")

    def _issue_token(self, headers: dict[str, str], form: Any) -> Reply:
        if basic_credentials(headers) != (self.client_id, self.client_secret):
            return Reply(
                401,
                {"error": "invalid_client", "error_description": "Client Authentication failed"},
            )
        if not isinstance(form, dict) or form.get("grant_type") != "client_credentials":
            return Reply(
                400,
                {"error": "unsupported_grant_type", "error_description": "Grant type is invalid"},
            )
        token = f"A21AA{secrets.token_urlsafe(24)}"
        self._tokens.add(token)
        return Reply(
            200,
            {
                "scope": "https://uri.paypal.com/services/payments/payment",
                "access_token": token,
                "token_type": "Bearer",
                "app_id": "APP-FAKE",
                "expires_in": self.token_ttl,
                "nonce": secrets.token_hex(8),
            },
        )

    def _create_order(self, body: JSON) -> Reply:
        try:
            unit = body["purchase_units"][0]
            value, currency = unit["amount"]["value"], unit["amount"]["currency_code"]
            if Decimal(value).as_tuple().exponent != -2 or Decimal(value) <= 0:
                return _error(422, "UNPROCESSABLE_ENTITY", "DECIMAL_PRECISION")
        except (KeyError, IndexError, TypeError, ArithmeticError):
            return _error(400, "INVALID_REQUEST", "MISSING_REQUIRED_PARAMETER")
        if body.get("intent") != "CAPTURE":
            return _error(400, "INVALID_REQUEST", "INVALID_PARAMETER_VALUE")
        experience = ((body.get("payment_source") or {}).get("paypal") or {}).get(
            "experience_context"
        )
        context = experience or body.get("application_context") or {}
        if not context.get("return_url") or not context.get("cancel_url"):
            return _error(422, "UNPROCESSABLE_ENTITY", "MISSING_RETURN_URL")
        order_id = _new_id()
        # With payment_source PayPal answers PAYER_ACTION_REQUIRED and a payer-action link;
        # with the older application_context, CREATED and an approve link.
        rel, status = (
            ("payer-action", "PAYER_ACTION_REQUIRED") if experience else ("approve", "CREATED")
        )
        order = {
            "id": order_id,
            "intent": "CAPTURE",
            "status": status,
            "purchase_units": [
                {
                    "reference_id": unit.get("reference_id", "default"),
                    "custom_id": unit.get("custom_id"),
                    "description": unit.get("description"),
                    "amount": {"currency_code": currency, "value": value},
                    "payee": {"merchant_id": "FAKEMERCHANT"},
                }
            ],
            "create_time": _now(),
            "links": [
                {
                    "href": f"{self.url}/v2/checkout/orders/{order_id}",
                    "rel": "self",
                    "method": "GET",
                },
                {"href": f"{self.url}/checkoutnow?token={order_id}", "rel": rel, "method": "GET"},
            ],
            "_return_url": context["return_url"],
            "_cancel_url": context["cancel_url"],
        }
        self.orders[order_id] = order
        return Reply(200, {key: order[key] for key in ("id", "status", "links")})

    def _get_order(self, body: Any, oid: str) -> Reply:
        if oid not in self.orders:
            return _error(404, "RESOURCE_NOT_FOUND", "INVALID_RESOURCE_ID")
        return Reply(200, _public(self.orders[oid]))

    def _capture(self, body: Any, oid: str) -> Reply:
        order = self.orders.get(oid)
        if order is None:
            return _error(404, "RESOURCE_NOT_FOUND", "INVALID_RESOURCE_ID")
        if order["status"] == "COMPLETED":
            return _error(422, "UNPROCESSABLE_ENTITY", "ORDER_ALREADY_CAPTURED")
        if order["status"] != "APPROVED":
            return _error(422, "UNPROCESSABLE_ENTITY", "ORDER_NOT_APPROVED")
        unit = order["purchase_units"][0]
        capture_id = _new_id()
        capture = {
            "id": capture_id,
            "status": self.capture_status,
            "amount": dict(unit["amount"]),
            "final_capture": True,
            "custom_id": unit.get("custom_id"),
            "seller_receivable_breakdown": _breakdown(unit["amount"]),
            "seller_protection": {"status": "ELIGIBLE"},
            "create_time": _now(),
            "update_time": _now(),
            "supplementary_data": {"related_ids": {"order_id": oid}},
            "links": [
                {
                    "href": f"{self.url}/v2/payments/captures/{capture_id}",
                    "rel": "self",
                    "method": "GET",
                },
                {
                    "href": f"{self.url}/v2/payments/captures/{capture_id}/refund",
                    "rel": "refund",
                    "method": "POST",
                },
                {"href": f"{self.url}/v2/checkout/orders/{oid}", "rel": "up", "method": "GET"},
            ],
        }
        self.captures[capture_id] = capture
        order["status"] = "COMPLETED"
        # The order holds the capture itself, so later status changes show through GET.
        unit["payments"] = {"captures": [capture]}
        return Reply(201, _public(order))

    def _refund(self, body: JSON, oid: str) -> Reply:
        capture = self.captures.get(oid)
        if capture is None:
            return _error(404, "RESOURCE_NOT_FOUND", "INVALID_RESOURCE_ID")
        total = Decimal(capture["amount"]["value"])
        refunded = sum(
            (Decimal(r["amount"]["value"]) for r in self.refunds.values() if r["_capture"] == oid),
            Decimal(0),
        )
        if capture["status"] == "REFUNDED" or refunded >= total:
            return _error(422, "UNPROCESSABLE_ENTITY", "CAPTURE_FULLY_REFUNDED")
        amount = body.get("amount") or {
            "value": str(total - refunded),
            "currency_code": capture["amount"]["currency_code"],
        }
        if amount.get("currency_code") != capture["amount"]["currency_code"]:
            return _error(422, "UNPROCESSABLE_ENTITY", "REFUND_CURRENCY_MISMATCH")
        if Decimal(amount["value"]) > total - refunded:
            return _error(422, "UNPROCESSABLE_ENTITY", "REFUND_AMOUNT_EXCEEDED")
        refunded += Decimal(amount["value"])
        refund_id = _new_id()
        refund = {
            "id": refund_id,
            "status": "COMPLETED",
            "amount": {"currency_code": amount["currency_code"], "value": amount["value"]},
            "custom_id": body.get("custom_id"),
            "seller_payable_breakdown": {
                "total_refunded_amount": {
                    "currency_code": amount["currency_code"],
                    "value": f"{refunded:.2f}",
                }
            },
            "create_time": _now(),
            "update_time": _now(),
            "links": [
                {
                    "href": f"{self.url}/v2/payments/refunds/{refund_id}",
                    "rel": "self",
                    "method": "GET",
                },
                {"href": f"{self.url}/v2/payments/captures/{oid}", "rel": "up", "method": "GET"},
            ],
            "_capture": oid,
        }
        self.refunds[refund_id] = refund
        capture["status"] = "REFUNDED" if refunded >= total else "PARTIALLY_REFUNDED"
        return Reply(201, _public(refund))

    def _verify(self, body: JSON) -> Reply:
        required = (
            "auth_algo",
            "cert_url",
            "transmission_id",
            "transmission_sig",
            "transmission_time",
            "webhook_id",
            "webhook_event",
        )
        if any(not body.get(name) for name in required):
            return _error(400, "VALIDATION_ERROR", "MISSING_REQUIRED_PARAMETER")
        expected = self._signature(
            body["transmission_id"],
            body["transmission_time"],
            body["webhook_event"],
            body["webhook_id"],
        )
        ok = (
            body["auth_algo"] == AUTH_ALGO
            and body["cert_url"] == self.cert_url
            and body["webhook_id"] == self.webhook_id
            and hmac.compare_digest(str(body["transmission_sig"]), expected)
        )
        status = "SUCCESS" if ok else "FAILURE"
        self.verifications.append(status)
        return Reply(200, {"verification_status": status})

    def _signature(
        self,
        transmission_id: str,
        transmission_time: str,
        event: Any,
        webhook_id: str | None = None,
    ) -> str:
        # PayPal signs "<id>|<time>|<webhook id>|<crc32 of the body>" with RSA; an HMAC over the
        # same string stands in. The CRC is over a canonical form so the check survives the
        # adapter re-encoding the event.
        canonical = json.dumps(event, sort_keys=True, separators=(",", ":")).encode()
        crc = zlib.crc32(canonical)
        message = f"{transmission_id}|{transmission_time}|{webhook_id or self.webhook_id}|{crc}"
        digest = hmac.new(self._signing_key, message.encode(), hashlib.sha256).digest()
        return base64.b64encode(digest).decode()

    def _checkout_page(self, order_id: str) -> Reply:
        """The browser follows the approve link: approve with a default payer and send it back."""
        if order_id not in self.orders:
            return _error(404, "RESOURCE_NOT_FOUND", "INVALID_RESOURCE_ID")
        return Reply(302, {}, {"Location": self.approve(order_id)})


_counter = itertools.count(1)


def _breakdown(amount: JSON) -> JSON:
    """What the seller receives of a capture: PayPal's fee is 3.40 % + 3.25 SEK, its standard
    price for domestic payments in Sweden."""
    gross = Decimal(str(amount["value"]))
    fee = (gross * Decimal("0.034") + Decimal("3.25")).quantize(Decimal("0.01"))
    currency = amount["currency_code"]
    return {
        "gross_amount": {"currency_code": currency, "value": f"{gross:.2f}"},
        "paypal_fee": {"currency_code": currency, "value": f"{fee:.2f}"},
        "net_amount": {"currency_code": currency, "value": f"{gross - fee:.2f}"},
    }


def _new_id() -> str:
    # PayPal ids look like 5O190127TN364715T: 17 upper-case alphanumerics.
    return f"{next(_counter):04d}{secrets.token_hex(7).upper()}"[:17]


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _public(obj: JSON) -> JSON:
    """A deep copy without the fake's private bookkeeping keys."""
    return {k: v for k, v in json.loads(json.dumps(obj)).items() if not k.startswith("_")}


def _error(status: int, name: str, issue: str) -> Reply:
    return Reply(
        status,
        {
            "name": name,
            "message": "The requested action could not be performed.",
            "debug_id": secrets.token_hex(6),
            "details": [{"issue": issue, "description": issue.replace("_", " ").lower()}],
        },
    )


def _parse_body(path: str, body: bytes) -> Any:
    if path == "/v1/oauth2/token":
        return dict(parse_qsl(body.decode()))
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return "<malformed>"
