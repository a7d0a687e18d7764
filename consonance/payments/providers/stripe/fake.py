"""A local fake of the small part of Stripe that Consonance uses, over real HTTP.

    with StripeFake() as fake:
        provider = StripeProvider(secret_key=fake.secret_key,
                                  webhook_secret=fake.webhook_secret, api_base=fake.url)
        start = provider.start_payment(...)
        body, headers = fake.complete_session(start.provider_ref)   # a signed webhook
        event = provider.parse_callback(body=body, headers=headers, now=datetime.now(UTC))

It keeps sessions, payment intents, charges and refunds in memory, honours Idempotency-Key
(same key and parameters -> same answer; same key, other parameters -> 400), checks the secret
key, and signs webhooks exactly as Stripe does (`t=...,v1=HMAC-SHA256("{t}.{body}")`).
`fail_next()` makes the next matching request fail with a chosen status and error body.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from consonance.lib.loopback import LoopbackFake, Received, Reply, bearer_token

JSON = dict[str, Any]


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    params: JSON  # decoded form body (nested like Stripe's), or the query for GET


@dataclass
class _Failure:
    status: int
    path: str | None
    body: JSON


class StripeFake(LoopbackFake):
    """In-memory Stripe with a real HTTP listener on 127.0.0.1 and an ephemeral port."""

    def __init__(
        self,
        *,
        secret_key: str = "sk_test_fake_key",
        webhook_secret: str = "whsec_fake_secret",
        api_version: str = "2025-06-30.basil",
    ) -> None:
        super().__init__()
        self.secret_key = secret_key
        self.webhook_secret = webhook_secret
        self.api_version = api_version
        self.sessions: dict[str, JSON] = {}
        self.payment_intents: dict[str, JSON] = {}
        self.charges: dict[str, JSON] = {}
        self.refunds: dict[str, JSON] = {}
        self.balance_transactions: dict[str, JSON] = {}
        self.payouts: dict[str, JSON] = {}
        self.requests: list[RecordedRequest] = []
        # Status of new refunds; set to "pending" to model a slow bank.
        self.refund_status = "succeeded"
        self._idempotency: dict[str, tuple[str, JSON, Reply]] = {}
        self._failures: list[_Failure] = []
        self._lock = threading.RLock()

    @property
    def url(self) -> str:
        if not self.running:
            raise RuntimeError("StripeFake is not running")
        return self.origin

    # -- Controls -------------------------------------------------------------------------

    def fail_next(
        self,
        status: int,
        *,
        path: str | None = None,
        error_type: str = "api_error",
        code: str | None = None,
        message: str = "Something went wrong on the fake.",
    ) -> None:
        """Make the next request (to `path`, if given) fail with this status and error body."""
        error: JSON = {"type": error_type, "message": message}
        if code:
            error["code"] = code
        with self._lock:
            self._failures.append(_Failure(status, path, {"error": error}))

    def requests_to(self, path: str, method: str = "POST") -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == path and r.method == method]

    def success_url(self, session_id: str) -> str:
        """Where Stripe would send the browser after paying ({CHECKOUT_SESSION_ID} filled in)."""
        session = self.sessions[session_id]
        return str(session["success_url"]).replace("{CHECKOUT_SESSION_ID}", session_id)

    # -- Webhooks -------------------------------------------------------------------------

    def sign(
        self, body: bytes, *, timestamp: int | None = None, secret: str | None = None
    ) -> dict[str, str]:
        """Headers for delivering `body`: re-signing the same body models a Stripe retry."""
        t = int(time.time()) if timestamp is None else timestamp
        key = (secret or self.webhook_secret).encode()
        sig = hmac.new(key, f"{t}.".encode() + body, hashlib.sha256).hexdigest()
        return {"Content-Type": "application/json", "Stripe-Signature": f"t={t},v1={sig}"}

    def event(
        self, event_type: str, obj: JSON, *, timestamp: int | None = None
    ) -> tuple[bytes, dict[str, str]]:
        """A signed webhook for any event type around `obj`."""
        created = int(time.time()) if timestamp is None else timestamp
        event = {
            "id": _new_id("evt"),
            "object": "event",
            "api_version": self.api_version,
            "created": created,
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": event_type,
            "data": {"object": obj},
        }
        # Pretty-printed like Stripe's own deliveries: verification must use the raw bytes.
        body = json.dumps(event, indent=2).encode()
        return body, self.sign(body, timestamp=timestamp)

    def complete_session(
        self,
        session_id: str,
        *,
        payer_name: str = "Test Payer",
        payer_email: str | None = None,
        card_last4: str = "4242",
        card_exp: tuple[int, int] = (12, 2030),
        expand_payment_intent: bool = False,
        async_payment: bool = False,
        timestamp: int | None = None,
    ) -> tuple[bytes, dict[str, str]]:
        """The payer completes Checkout: returns a signed `checkout.session.completed`.

        With `async_payment` the session completes unpaid (a bank debit still settling); follow
        with `settle_async_payment`. With `expand_payment_intent` the event carries the payment
        intent with its card (as an expanded API object would), to exercise card extraction.
        """
        with self._lock:
            session = self.sessions[session_id]
            intent = self._create_payment_intent(session, card_last4, card_exp, async_payment)
            session.update(
                status="complete",
                payment_status="unpaid" if async_payment else "paid",
                payment_intent=intent["id"],
                customer_details={
                    "name": payer_name,
                    "email": payer_email or session.get("customer_email"),
                    "address": {"country": "SE"},
                    "phone": None,
                },
            )
            obj = _copy(session)
        if expand_payment_intent:
            obj["payment_intent"] = self._expanded_intent(intent["id"])
        return self.event("checkout.session.completed", obj, timestamp=timestamp)

    def settle_async_payment(
        self, session_id: str, *, succeeded: bool = True, timestamp: int | None = None
    ) -> tuple[bytes, dict[str, str]]:
        with self._lock:
            session = self.sessions[session_id]
            intent = self.payment_intents[session["payment_intent"]]
            intent["status"] = "succeeded" if succeeded else "requires_payment_method"
            charge = self.charges[intent["latest_charge"]]
            if succeeded and charge["balance_transaction"] is None:
                charge["status"] = "succeeded"
                charge["balance_transaction"] = self._balance_transaction(charge)
            session["payment_status"] = "paid" if succeeded else "unpaid"
            obj = _copy(session)
        suffix = "succeeded" if succeeded else "failed"
        return self.event(f"checkout.session.async_payment_{suffix}", obj, timestamp=timestamp)

    def expire_session(
        self, session_id: str, *, timestamp: int | None = None
    ) -> tuple[bytes, dict[str, str]]:
        with self._lock:
            session = self.sessions[session_id]
            session.update(status="expired", url=None)
            obj = _copy(session)
        return self.event("checkout.session.expired", obj, timestamp=timestamp)

    def payout_paid(
        self, amount: int | None = None, *, arrival: int | None = None, timestamp: int | None = None
    ) -> tuple[bytes, dict[str, str]]:
        """Stripe pays the balance out to the bank: a signed `payout.paid` (amount in öre; by
        default everything not yet paid out, net of fees and refunds)."""
        with self._lock:
            if amount is None:
                amount = sum(
                    txn["net"] for txn in self.balance_transactions.values() if not txn["_paid_out"]
                )
                for txn in self.balance_transactions.values():
                    txn["_paid_out"] = True
            now = int(time.time()) if timestamp is None else timestamp
            payout_id, txn_id = _new_id("po"), _new_id("txn")
            payout: JSON = {
                "id": payout_id,
                "object": "payout",
                "amount": amount,
                "arrival_date": arrival if arrival is not None else now - now % 86400,
                "automatic": True,
                "balance_transaction": txn_id,
                "created": now,
                "currency": "sek",
                "description": "STRIPE PAYOUT",
                "destination": "ba_fake_bank_account",
                "failure_balance_transaction": None,
                "failure_code": None,
                "failure_message": None,
                "livemode": False,
                "metadata": {},
                "method": "standard",
                "reconciliation_status": "completed",
                "source_type": "card",
                "statement_descriptor": None,
                "status": "paid",
                "type": "bank_account",
            }
            self.payouts[payout_id] = payout
            obj = _copy(payout)
        return self.event("payout.paid", obj, timestamp=timestamp)

    def refund_event(
        self, refund_id: str, *, timestamp: int | None = None
    ) -> tuple[bytes, dict[str, str]]:
        """A signed `charge.refunded` for the charge behind a refund made through the API."""
        with self._lock:
            charge = _copy(self.charges[self.refunds[refund_id]["charge"]])
        return self.event("charge.refunded", charge, timestamp=timestamp)

    def fail_refund(
        self, refund_id: str, *, timestamp: int | None = None
    ) -> tuple[bytes, dict[str, str]]:
        """The bank bounces a refund: a signed `charge.refund.updated` with status failed."""
        with self._lock:
            refund = self.refunds[refund_id]
            refund.update(status="failed", failure_reason="expired_or_canceled_card")
            charge = self.charges[refund["charge"]]
            charge["amount_refunded"] -= refund["amount"]
            charge["refunded"] = False
            obj = _copy(refund)
        return self.event("charge.refund.updated", obj, timestamp=timestamp)

    # -- Request handling (called from the server threads) --------------------------------

    def serve(self, request: Received, target: str) -> Reply:
        if request.method == "GET" and request.path.startswith("/c/pay/"):
            return Reply(200, {"page": "checkout"})  # the hosted page; nothing to do here
        return self.handle(request.method, target, request.headers, request.body)

    def reply_headers(self) -> dict[str, str]:
        return {"Request-Id": _new_id("req")}

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Reply:
        split = urlsplit(target)
        path = split.path
        params = _decode_form(body.decode() if method == "POST" else split.query)
        with self._lock:
            self.requests.append(RecordedRequest(method, path, headers, params))
            failure = self._take_failure(path)
            if failure is not None:
                return Reply(failure.status, failure.body)
            if bearer_token(headers) != self.secret_key:
                return _error(401, "invalid_request_error", None, "Invalid API Key provided.")
            key = headers.get("idempotency-key")
            if method == "POST" and key:
                return self._idempotent(
                    key, path, params, lambda: self._route(method, path, params)
                )
            return self._route(method, path, params)

    def _take_failure(self, path: str) -> _Failure | None:
        for index, failure in enumerate(self._failures):
            if failure.path is None or failure.path == path:
                return self._failures.pop(index)
        return None

    def _idempotent(self, key: str, path: str, params: JSON, run: Callable[[], Reply]) -> Reply:
        if key in self._idempotency:
            old_path, old_params, old_reply = self._idempotency[key]
            if (old_path, old_params) != (path, params):
                return _error(
                    400,
                    "idempotency_error",
                    None,
                    "Keys for idempotent requests can only be used with the same parameters.",
                )
            return Reply(old_reply.status, old_reply.body, {"Idempotent-Replayed": "true"})
        reply = run()
        if reply.status < 500:  # Stripe does not store 5xx answers against the key
            self._idempotency[key] = (path, params, reply)
        return reply

    def _route(self, method: str, path: str, params: JSON) -> Reply:
        routes: list[tuple[str, str, Callable[..., Reply]]] = [
            ("POST", r"/v1/checkout/sessions", self._create_session),
            ("GET", r"/v1/checkout/sessions/(?P<oid>[\w]+)", self._get(self.sessions)),
            ("GET", r"/v1/payment_intents/(?P<oid>[\w]+)", self._get_intent),
            (
                "GET",
                r"/v1/balance_transactions/(?P<oid>[\w]+)",
                self._get(self.balance_transactions),
            ),
            ("GET", r"/v1/payouts/(?P<oid>[\w]+)", self._get(self.payouts)),
            ("POST", r"/v1/refunds", self._create_refund),
            ("GET", r"/v1/refunds/(?P<oid>[\w]+)", self._get(self.refunds)),
        ]
        for route_method, pattern, view in routes:
            match = re.fullmatch(pattern, path)
            if match and method == route_method:
                return view(params, **match.groupdict())
        return _error(404, "invalid_request_error", None, f"Unrecognized request URL ({path}).")

    def _get(self, store: dict[str, JSON]) -> Callable[..., Reply]:
        def view(params: JSON, oid: str) -> Reply:
            if oid not in store:
                return _error(404, "invalid_request_error", "resource_missing", "No such object.")
            return Reply(200, _copy(store[oid]))

        return view

    def _balance_transaction(self, charge: JSON) -> str:
        """Stripe's record of the charge in the balance, with its fee: 1.5 % + 1.80 SEK, Stripe's
        standard price for European cards in Sweden."""
        amount = int(charge["amount"])
        fee = round(amount * 15 / 1000) + 180
        txn_id = _new_id("txn")
        created = int(time.time())
        self.balance_transactions[txn_id] = {
            "id": txn_id,
            "object": "balance_transaction",
            "amount": amount,
            "available_on": created + 7 * 86400,
            "created": created,
            "currency": charge["currency"],
            "description": None,
            "exchange_rate": None,
            "fee": fee,
            "fee_details": [
                {
                    "amount": fee,
                    "application": None,
                    "currency": charge["currency"],
                    "description": "Stripe processing fees",
                    "type": "stripe_fee",
                }
            ],
            "net": amount - fee,
            "reporting_category": "charge",
            "source": charge["id"],
            "status": "pending",
            "type": "charge",
            "_paid_out": False,
        }
        return txn_id

    def _create_session(self, params: JSON) -> Reply:
        missing = _missing(params, "mode", "success_url", "cancel_url", "line_items")
        if missing:
            return _error(400, "invalid_request_error", "parameter_missing", missing)
        try:
            item = params["line_items"][0]
            price = item["price_data"]
            amount = int(price["unit_amount"]) * int(item.get("quantity", 1))
            currency = str(price["currency"])
            _ = price["product_data"]["name"]
        except (KeyError, IndexError, TypeError, ValueError):
            return _error(400, "invalid_request_error", "parameter_invalid", "line_items")
        session_id = _new_id("cs_test")
        session = {
            "id": session_id,
            "object": "checkout.session",
            "mode": params["mode"],
            "status": "open",
            "payment_status": "unpaid",
            "amount_total": amount,
            "currency": currency,
            "client_reference_id": params.get("client_reference_id"),
            "metadata": params.get("metadata", {}),
            "customer_email": params.get("customer_email"),
            "customer_details": None,
            "payment_intent": None,
            "success_url": params["success_url"],
            "cancel_url": params["cancel_url"],
            "url": f"{self.url}/c/pay/{session_id}",
            "created": int(time.time()),
            "livemode": False,
            "_payment_intent_metadata": params.get("payment_intent_data", {}).get("metadata", {}),
        }
        self.sessions[session_id] = session
        return Reply(200, _copy(session))

    def _create_payment_intent(
        self, session: JSON, last4: str, exp: tuple[int, int], pending: bool
    ) -> JSON:
        intent_id, charge_id = _new_id("pi"), _new_id("ch")
        metadata = dict(session.get("_payment_intent_metadata") or {})
        card = {
            "brand": "visa",
            "last4": last4,
            "exp_month": exp[0],
            "exp_year": exp[1],
            "country": "SE",
            # Stripe reports whether a CVC was checked, never the CVC: adapters must ignore it.
            "checks": {"cvc_check": "pass"},
        }
        charge = {
            "id": charge_id,
            "object": "charge",
            "amount": session["amount_total"],
            "amount_refunded": 0,
            "currency": session["currency"],
            "payment_intent": intent_id,
            "refunded": False,
            "status": "pending" if pending else "succeeded",
            "metadata": metadata,
            "billing_details": {"name": "Test Payer", "email": None},
            "payment_method_details": {"type": "card", "card": card},
            "refunds": {"object": "list", "data": []},
            "balance_transaction": None,
            "created": int(time.time()),
        }
        if not pending:  # an asynchronous payment has its balance transaction once it settles
            charge["balance_transaction"] = self._balance_transaction(charge)
        intent = {
            "id": intent_id,
            "object": "payment_intent",
            "amount": session["amount_total"],
            "currency": session["currency"],
            "status": "processing" if pending else "succeeded",
            "latest_charge": charge_id,
            # As Stripe sends it: an id, unless the request asks to expand it.
            "payment_method": _new_id("pm"),
            "metadata": metadata,
            "_card": card,
        }
        self.charges[charge_id] = charge
        self.payment_intents[intent_id] = intent
        return intent

    def _expanded_intent(self, intent_id: str) -> JSON:
        with self._lock:
            return self._expand_intent(intent_id, ["latest_charge", "payment_method"])

    def _expand_intent(self, intent_id: str, paths: list[str]) -> JSON:
        """The payment intent with `expand[]` applied (latest_charge, payment_method)."""
        stored = self.payment_intents[intent_id]
        intent = _copy(stored)
        if "latest_charge" in paths or "latest_charge.balance_transaction" in paths:
            intent["latest_charge"] = _copy(self.charges[stored["latest_charge"]])
        if "payment_method" in paths:
            intent["payment_method"] = {
                "id": stored["payment_method"],
                "object": "payment_method",
                "card": stored["_card"],
            }
        return intent

    def _get_intent(self, params: JSON, oid: str) -> Reply:
        if oid not in self.payment_intents:
            return _error(404, "invalid_request_error", "resource_missing", "No such object.")
        expand = params.get("expand") or []
        return Reply(
            200, self._expand_intent(oid, expand if isinstance(expand, list) else [expand])
        )

    def _create_refund(self, params: JSON) -> Reply:
        intent = self.payment_intents.get(str(params.get("payment_intent", "")))
        if intent is None:
            return _error(
                400, "invalid_request_error", "resource_missing", "No such payment_intent."
            )
        charge = self.charges[intent["latest_charge"]]
        remaining = charge["amount"] - charge["amount_refunded"]
        if remaining <= 0:
            return _error(400, "invalid_request_error", "charge_already_refunded", "Refunded.")
        amount = int(params.get("amount", remaining))
        if amount <= 0 or amount > remaining:
            return _error(400, "invalid_request_error", "amount_too_large", "Amount too large.")
        refund = {
            "id": _new_id("re"),
            "object": "refund",
            "amount": amount,
            "currency": charge["currency"],
            "charge": charge["id"],
            "payment_intent": intent["id"],
            "status": self.refund_status,
            "metadata": params.get("metadata", {}),
            "created": int(time.time()),
        }
        self.refunds[refund["id"]] = refund
        refund_txn = _new_id("txn")
        self.balance_transactions[refund_txn] = {
            "id": refund_txn,
            "object": "balance_transaction",
            "amount": -amount,
            "created": refund["created"],
            "currency": charge["currency"],
            "fee": 0,
            "fee_details": [],
            "net": -amount,
            "source": refund["id"],
            "status": "available",
            "type": "refund",
            "_paid_out": False,
        }
        refund["balance_transaction"] = refund_txn
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] == charge["amount"]
        charge["refunds"]["data"].insert(0, _copy(refund))
        return Reply(200, _copy(refund))


_counter = itertools.count(1)


def _new_id(prefix: str) -> str:
    return f"{prefix}_{next(_counter):04d}{secrets.token_hex(8)}"


def _copy(obj: JSON) -> JSON:
    return {k: v for k, v in json.loads(json.dumps(obj)).items() if not k.startswith("_")}


def _error(status: int, error_type: str, code: str | None, message: str) -> Reply:
    error: JSON = {"type": error_type, "message": message}
    if code:
        error["code"] = code
    return Reply(status, {"error": error})


def _missing(params: JSON, *names: str) -> str:
    return next((name for name in names if name not in params), "")


def _decode_form(text: str) -> JSON:
    """`a[b][0][c]=1` -> {"a": {"b": [{"c": "1"}]}}, the way Stripe reads form bodies."""
    root: JSON = {}
    for key, value in parse_qsl(text, keep_blank_values=True):
        parts = re.findall(r"[^\[\]]+", key)
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return _lists(root)


def _lists(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    converted = {key: _lists(value) for key, value in node.items()}
    if converted and all(key.isdigit() for key in converted):
        return [converted[key] for key in sorted(converted, key=int)]
    return converted
