"""Swish Commerce API v2 adapter: payment requests, refunds and callbacks over mutual TLS.

Protocol only: no database, no models. Everything comes in through the constructor.

How a payment runs
------------------
1. `start_payment` PUTs `v2/paymentrequests/{instructionUUID}`. Swish answers 201. Without a
   payer alias (m-commerce) the answer carries a `PaymentRequestToken` for the app switch or QR
   code; with one (e-commerce) Swish pushes the request to the payer's app itself.
2. The payer approves (or not) in the Swish app and Swish POSTs the payment object to the
   `callbackUrl` we gave.
3. `parse_callback` turns that POST into a `ProviderEvent`.

Why callbacks are not trusted
-----------------------------
Swish does not sign callbacks, and the callback URL is public, so anyone can POST a body that
says "PAID". `parse_callback` therefore reads only the `id` from the body and fetches that
payment request (or refund) from the Swish API over our mutually authenticated TLS connection;
the event is built from that authoritative answer alone. A forged "PAID" for a request Swish
still reports as CREATED yields a "pending" event. Bodies that are malformed, or name an id
Swish does not know, raise `WebhookRejected`.

Identifiers
-----------
The instruction UUID (32 upper-case hex digits) is derived from the caller's idempotency key,
so a retried call reuses the same UUID and Swish will not create a second request. It is the
`provider_ref`; Swish's `paymentReference` (set once paid) is the `payment_ref` to refund
against. Event ids are `f"{id}:{status}"`, so replays of one state deduplicate.

Endpoints: creation is v2 (PUT with our own UUID); retrieval of payment requests and refunds
is only offered under v1 (`GET v1/paymentrequests/{id}`, `GET v1/refunds/{id}`), which is what
the Location headers of v2 creations point to.
"""

from __future__ import annotations

import logging
import re
import ssl
import unicodedata
import uuid
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote

import certifi
import httpx

from consonance.lib.http import OwnsClient, ServiceClient
from consonance.lib.jsonlimits import read_json
from consonance.payments.providers.base import (
    EventKind,
    PaymentStart,
    ProviderError,
    ProviderEvent,
    RefundResult,
    WebhookRejected,
)

logger = logging.getLogger(__name__)

PRODUCTION_BASE_URL: Final = "https://cpc.getswish.net/swish-cpcapi/api/"
TEST_BASE_URL: Final = "https://mss.cpc.getswish.net/swish-cpcapi/api/"  # Merchant Swish Simulator

# Our own wording for Swish's error codes. Swish's `errorMessage` is never passed on, so no
# text from the far side (which could in principle echo payer data) reaches logs or exceptions.
ERROR_DESCRIPTIONS: Final[dict[str, str]] = {
    "FF08": "payment reference is invalid",
    "RP03": "callback URL is missing or does not use HTTPS",
    "BE18": "payer alias is invalid",
    "RP01": "merchant Swish number (payee alias) is missing",
    "PA02": "amount is missing or not a valid number",
    "AM02": "amount is too large",
    "AM03": "currency is missing or not supported",
    "AM04": "insufficient funds",
    "AM06": "amount is below the agreed minimum",
    "RP02": "message is malformed",
    "RP04": "no payment request found",
    "RP06": "the payer already has another active payment request",
    "RP09": "the instruction UUID is already in use",
    "ACMT01": "counterpart is not activated",
    "ACMT03": "payer is not enrolled in Swish",
    "ACMT07": "payee is not enrolled in Swish",
    "RF02": "original payment not found or older than 13 months",
    "RF03": "refund payer alias does not match the original payee",
    "RF07": "transaction declined",
    "RF08": "refund amount exceeds what remains of the original payment",
    "BANKIDCL": "payer cancelled the BankID signing",
    "BANKIDONGOING": "a BankID signing is already in progress for the payer",
    "BANKIDUNKN": "BankID is not available",
    "FF10": "bank system processing error",
    "TM01": "Swish timed out before the payment was started",
    "DS24": "Swish timed out waiting for the banks",
}

_HTTP_DESCRIPTIONS: Final[dict[int, str]] = {
    400: "request was malformed",
    401: "client certificate missing or not accepted",
    403: "payee alias does not match the client certificate",
    404: "not found",
    415: "unsupported content type",
    429: "too many requests",
    500: "Swish internal error",
    504: "Swish timed out",
}

_PAYMENT_KINDS: Final[dict[str, EventKind]] = {
    "CREATED": "pending",
    "PAID": "paid",
    "DECLINED": "failed",
    "ERROR": "failed",
    "CANCELLED": "cancelled",
}
# Refunds pass through CREATED/VALIDATED/DEBITED before ending PAID, DECLINED or ERROR.
_REFUND_KINDS: Final[dict[str, EventKind]] = {
    "PAID": "refunded",
    "DECLINED": "refund_failed",
    "ERROR": "refund_failed",
}

_ID_RE: Final = re.compile(r"[0-9A-F]{32}")
_CODE_RE: Final = re.compile(r"[A-Z0-9]{2,16}")
_PAYEE_ALIAS_RE: Final = re.compile(r"123\d{7}")
_PAYER_ALIAS_RE: Final = re.compile(r"[1-9]\d{7,14}")
# Letters a-ö / A-Ö, digits, space and the punctuation Swish documents for `message`.
_MESSAGE_ALLOWED: Final = frozenset(
    'abcdefghijklmnopqrstuvwxyzåäöABCDEFGHIJKLMNOPQRSTUVWXYZÅÄÖ0123456789 :;.,?!()-"'
)
_MESSAGE_MAX: Final = 50
_REFERENCE_MAX: Final = 35
_MIN_AMOUNT: Final = Decimal("0.01")
_MAX_AMOUNT: Final = Decimal("999999999999.99")
# Fixed namespace so an idempotency key always maps to the same instruction UUID.
_UUID_NAMESPACE: Final = uuid.UUID("6f1c5d7e-4a36-4d0f-9a51-2b8e0c3f9d12")


class SwishError(ProviderError):
    """A Swish error code (e.g. "RF07") or HTTP failure ("HTTP401"); the text is ours, not Swish's."""

    def __init__(self, code: str, *, http_status: int | None = None) -> None:
        self.code = code if _CODE_RE.fullmatch(code) else "UNKNOWN"
        self.http_status = http_status
        description = ERROR_DESCRIPTIONS.get(self.code, "unrecognised error code")
        super().__init__(f"Swish error {self.code}: {description}")


class SwishProvider(OwnsClient[ServiceClient]):
    """`PaymentProvider` for Swish for merchants (Swish Commerce API v2).

    `cert_path`/`key_path` are the merchant's PEM client certificate (with any intermediates)
    and private key from the Swish certificate portal; `ca_bundle_path` is the CA bundle that
    signs the Swish server certificate (None: the public certifi bundle). `payee_alias` is the
    merchant's Swish number (123xxxxxxx).
    """

    name = "swish"

    def __init__(
        self,
        *,
        base_url: str,
        payee_alias: str,
        cert_path: str | Path,
        key_path: str | Path,
        ca_bundle_path: str | Path | None = None,
        key_passphrase: str | None = None,
        timeout: float = 10.0,
        refund_message: str = "Återbetalning",
    ) -> None:
        if not _PAYEE_ALIAS_RE.fullmatch(payee_alias):
            raise ValueError("payee_alias must be a Swish merchant number (123 and 7 digits)")
        self.payee_alias = payee_alias
        self.refund_message = sanitize_message(refund_message)
        context = _build_ssl_context(cert_path, key_path, key_passphrase, ca_bundle_path)
        self._http = ServiceClient(
            "Swish",
            base_url=base_url if base_url.endswith("/") else base_url + "/",
            verify=context,
            timeout=timeout,
            headers={"Accept": "application/json"},
            unreachable=_unreachable,
        )

    # -- PaymentProvider -------------------------------------------------------------------

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
        payer_alias: str | None = None,
    ) -> PaymentStart:
        """Create a payment request; m-commerce unless `payer_alias` (the payer's number) is given.

        `payer_email`, `return_url` and `cancel_url` have no place in the Swish protocol (see
        `app_switch_url` for sending a phone back to `return_url`). The returned token is None
        for e-commerce, and also when a retry finds the request already created (Swish hands
        the token out only once).
        """
        instruction_id = instruction_uuid("payment", idempotency_key)
        body: dict[str, Any] = {
            "payeeAlias": self.payee_alias,
            "amount": format_amount(amount),
            "currency": _check_currency(currency),
            "callbackUrl": _check_callback_url(callback_url),
        }
        if ref := sanitize_reference(reference):
            body["payeePaymentReference"] = ref
        if message := sanitize_message(description):
            body["message"] = message
        if payer_alias is not None:
            body["payerAlias"] = normalize_payer_alias(payer_alias)

        response = self._send("PUT", f"v2/paymentrequests/{instruction_id}", body)
        if response.status_code == 201:
            token = response.headers.get("PaymentRequestToken") or None
            return PaymentStart(provider_ref=instruction_id, token=token)
        error = _error_from(response)
        if error.code == "RP09" and self._get_object("v1/paymentrequests", instruction_id):
            # A previous attempt with this idempotency key got through; its answer was lost.
            return PaymentStart(provider_ref=instruction_id)
        raise error

    def parse_callback(
        self, *, body: bytes, headers: dict[str, str], now: datetime
    ) -> ProviderEvent:
        """Turn a Swish callback into an event, trusting only what the Swish API itself says.

        Only `id` is read from the (unsigned) body; the payment request or refund is then
        fetched over mTLS. `headers` and `now` are unused: Swish sends no signature or timestamp.
        """
        object_id, is_refund, claimed = _callback_hint(body)
        path = "v1/refunds" if is_refund else "v1/paymentrequests"
        data = self._get_object(path, object_id)
        if data is None:
            raise WebhookRejected("callback names an id Swish does not know")
        event = _refund_event(data) if is_refund else _payment_event(data)
        if claimed is not None and claimed != data.get("status"):
            logger.warning(
                "Swish callback for %s claimed %s but the API says %s",
                object_id,
                claimed,
                data.get("status"),
            )
        return event

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
        """Refund against Swish's `paymentReference` of a paid payment; the outcome comes by callback."""
        refund_id = instruction_uuid("refund", idempotency_key)
        body: dict[str, Any] = {
            "originalPaymentReference": _check_payment_ref(payment_ref),
            "callbackUrl": _check_callback_url(callback_url),
            "payerAlias": self.payee_alias,  # in a refund the merchant is the payer
            "amount": format_amount(amount),
            "currency": _check_currency(currency),
        }
        if ref := sanitize_reference(reference):
            body["payerPaymentReference"] = ref
        if self.refund_message:
            body["message"] = self.refund_message

        response = self._send("PUT", f"v2/refunds/{refund_id}", body)
        if response.status_code == 201:
            return RefundResult(refund_ref=refund_id, status="pending")
        error = _error_from(response)
        if error.code == "RP09" and self._get_object("v1/refunds", refund_id):
            return RefundResult(refund_ref=refund_id, status="pending")
        raise error

    # -- polling (for reconciliation when a callback never arrives) ------------------------

    def retrieve_payment(self, instruction_id: str) -> ProviderEvent:
        """The current state of a payment request as an event."""
        data = self._get_object("v1/paymentrequests", _check_id(instruction_id))
        if data is None:
            raise SwishError("RP04", http_status=404)
        return _payment_event(data)

    def retrieve_refund(self, refund_id: str) -> ProviderEvent:
        """The current state of a refund as an event."""
        data = self._get_object("v1/refunds", _check_id(refund_id))
        if data is None:
            raise SwishError("HTTP404", http_status=404)
        return _refund_event(data)

    # -- HTTP ------------------------------------------------------------------------------

    def _send(self, method: str, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
        # A payment's or refund's PUT names its instruction: sent twice, it is one instruction.
        return self._http.request(method, path, json=body)

    def _get_object(self, path: str, object_id: str) -> dict[str, Any] | None:
        """GET a payment request or refund; None when Swish does not know the id."""
        response = self._send("GET", f"{path}/{object_id}")
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise _error_from(response)
        data = _json_object(response.content)
        if data is None or str(data.get("id", "")).upper() != object_id:
            raise ProviderError("Swish answered with an unexpected payload")
        return data


# -- helpers (public ones are useful to callers and tests) ---------------------------------


def instruction_uuid(kind: str, idempotency_key: str) -> str:
    """A Swish instruction UUID (32 upper-case hex digits), stable for one idempotency key."""
    if not idempotency_key:
        return uuid.uuid4().hex.upper()
    return uuid.uuid5(_UUID_NAMESPACE, f"{kind}:{idempotency_key}").hex.upper()


def format_amount(amount: Decimal) -> str:
    """Swish wants a string with exactly two decimals, between 0.01 and 999999999999.99."""
    try:
        cents = amount.quantize(Decimal("0.01"))
    except (InvalidOperation, AttributeError) as exc:
        raise SwishError("PA02") from exc
    if cents != amount or cents < _MIN_AMOUNT:
        raise SwishError("PA02")
    if cents > _MAX_AMOUNT:
        raise SwishError("AM02")
    return f"{cents:.2f}"


def sanitize_message(text: str) -> str:
    """Fit free text into Swish's `message`: allowed characters only, at most 50 of them.

    Accented letters lose their accent (é -> e) unless they are å, ä or ö; anything else
    becomes a space. Runs of spaces collapse, so the result reads naturally.
    """
    chars: list[str] = []
    for char in text:
        if char not in _MESSAGE_ALLOWED:
            base = unicodedata.normalize("NFKD", char)[:1]
            char = base if base in _MESSAGE_ALLOWED else " "
        chars.append(char)
    collapsed = " ".join("".join(chars).split())
    return collapsed[:_MESSAGE_MAX].rstrip()


def sanitize_reference(reference: str) -> str:
    """`payeePaymentReference`: ASCII letters and digits only, at most 35 (a UUID loses its dashes)."""
    return "".join(c for c in reference if c.isascii() and c.isalnum())[:_REFERENCE_MAX]


def normalize_payer_alias(raw: str) -> str:
    """A payer's mobile number as Swish wants it: country code, no '+' or leading zeros (46701234567)."""
    digits = re.sub(r"[\s\-()]", "", raw)
    if digits.startswith("+"):
        digits = digits[1:]
    elif digits.startswith("00"):
        digits = digits[2:]
    elif digits.startswith("0"):
        digits = "46" + digits[1:]  # a Swedish domestic number, 07x...
    if not _PAYER_ALIAS_RE.fullmatch(digits):
        raise SwishError("BE18")
    return digits


def app_switch_url(token: str, return_url: str) -> str:
    """The `swish://` link that opens the Swish app on the same phone and comes back to `return_url`."""
    return f"swish://paymentrequest?token={quote(token, safe='')}&callbackurl={quote(return_url, safe='')}"


def _unreachable(error: httpx.HTTPError, action: str) -> ProviderError:
    if isinstance(error, httpx.TimeoutException):
        return ProviderError("Swish did not answer in time")
    # Includes TLS failures: a refused client certificate surfaces here, often only on the
    # first read (TLS 1.3 finishes the client's side of the handshake early).
    return ProviderError("Swish could not be reached (connection or TLS failure)")


def _build_ssl_context(
    cert_path: str | Path,
    key_path: str | Path,
    key_passphrase: str | None,
    ca_bundle_path: str | Path | None,
) -> ssl.SSLContext:
    cafile = str(ca_bundle_path) if ca_bundle_path is not None else certifi.where()
    try:
        context = ssl.create_default_context(cafile=cafile)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(str(cert_path), str(key_path), password=key_passphrase)
    except (OSError, ssl.SSLError) as exc:
        raise ProviderError("Swish certificate, key or CA bundle could not be loaded") from exc
    return context


def _check_currency(currency: str) -> str:
    if currency.upper() != "SEK":
        raise SwishError("AM03")
    return "SEK"


def _check_callback_url(url: str) -> str:
    if not url.lower().startswith("https://"):
        raise SwishError("RP03")
    return url


def _check_payment_ref(payment_ref: str) -> str:
    if not re.fullmatch(r"[0-9A-Za-z]{1,35}", payment_ref):
        raise SwishError("FF08")
    return payment_ref


def _check_id(object_id: str) -> str:
    if not _ID_RE.fullmatch(object_id):
        raise ProviderError("not a Swish instruction UUID")
    return object_id


def _json_object(raw: bytes) -> dict[str, Any] | None:
    # parse_float=Decimal keeps amounts such as 100.10 exact.
    try:
        data = read_json(raw, parse_float=Decimal)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _error_from(response: httpx.Response) -> SwishError:
    """A SwishError from a non-2xx answer: the first Swish error code, else the HTTP status."""
    status = response.status_code
    if status in (400, 403, 409, 422):
        try:
            errors = read_json(response.content)
        except ValueError:
            errors = None
        if isinstance(errors, dict):  # tolerate a single object as well as the usual list
            errors = [errors]
        if isinstance(errors, list):
            for item in errors:
                if isinstance(item, dict) and isinstance(item.get("errorCode"), str):
                    error = SwishError(item["errorCode"], http_status=status)
                    logger.warning("Swish refused a request: %s (HTTP %s)", error.code, status)
                    return error
    logger.warning("Swish refused a request: HTTP %s (%s)", status, _HTTP_DESCRIPTIONS.get(status))
    return SwishError(f"HTTP{status}", http_status=status)


def _callback_hint(body: bytes) -> tuple[str, bool, str | None]:
    """(id, is_refund, claimed status) from an untrusted callback body."""
    data = _json_object(body)
    if data is None:
        raise WebhookRejected("callback body is not a JSON object")
    object_id = data.get("id")
    if not isinstance(object_id, str) or not _ID_RE.fullmatch(object_id.upper()):
        raise WebhookRejected("callback body has no valid Swish id")
    # Refund objects always carry the payment they refund; payment requests never do.
    is_refund = "originalPaymentReference" in data
    claimed = data.get("status")
    known = _PAYMENT_KINDS.keys() | {"VALIDATED", "DEBITED"}
    return object_id.upper(), is_refund, claimed if claimed in known else None


def _payment_event(data: dict[str, Any]) -> ProviderEvent:
    return _event(data, _PAYMENT_KINDS, "paymentReference", "paymentrequest")


def _refund_event(data: dict[str, Any]) -> ProviderEvent:
    return _event(data, _REFUND_KINDS, "originalPaymentReference", "refund")


def _event(
    data: dict[str, Any], kinds: dict[str, EventKind], reference: str, object_type: str
) -> ProviderEvent:
    """A payment request's or a refund's state as an event: they differ only in their kinds,
    the field naming the payment, and their type."""
    status = str(data.get("status", ""))
    object_id = str(data["id"]).upper()
    return ProviderEvent(
        event_id=f"{object_id}:{status}",
        provider_ref=object_id,
        kind=kinds.get(status, "pending"),
        occurred_at=_parse_time(data.get("datePaid")),
        amount=_parse_amount(data.get("amount")),
        currency=_str_or_none(data.get("currency")),
        payment_ref=_str_or_none(data.get(reference)),
        raw_type=f"{object_type}.{status}",
        extra=_error_extra(data),
    )


def _error_extra(data: dict[str, Any]) -> dict[str, str]:
    # Only the code: Swish's errorMessage is free text we do not control.
    code = data.get("errorCode")
    if isinstance(code, str) and _CODE_RE.fullmatch(code):
        return {"error_code": code}
    return {}


def _parse_amount(value: object) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _parse_time(value: object) -> datetime | None:
    """Swish timestamps carry an offset ("2024-05-02T10:15:00.123+02:00"); naive ones are dropped."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
