"""Kortia's protocol, in memory: a payment is a hosted page; its webhook is JSON signed with a
shared secret (HMAC-SHA256 in the `Kortia-Signature` header)."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from datetime import datetime
from decimal import Decimal

from consonance.payments.providers.base import (
    PaymentStart,
    ProviderEvent,
    RefundResult,
    WebhookRejected,
)


class KortiaProvider:
    name = "kortia"

    def __init__(self, *, secret: str) -> None:
        self.secret = secret
        self.payments: dict[str, dict] = {}  # what the provider knows, by its payment id

    def start_payment(
        self,
        *,
        reference,
        amount,
        currency,
        description,
        payer_email,
        return_url,
        cancel_url,
        callback_url,
        idempotency_key,
    ) -> PaymentStart:
        payment_id = f"kp_{secrets.token_hex(6)}"
        self.payments[payment_id] = {
            "reference": reference,
            "amount": str(amount),
            "currency": currency,
            "return_url": return_url,
        }
        return PaymentStart(
            provider_ref=payment_id, redirect_url=f"https://pay.kortia.example/{payment_id}"
        )

    def paid_event(self, payment_id: str) -> tuple[bytes, dict[str, str]]:
        """What Kortia posts when the payer has paid: the body and its headers."""
        payment = self.payments[payment_id]
        body = json.dumps(
            {
                "id": f"ev_{payment_id}",
                "type": "payment.paid",
                "payment": payment_id,
                "amount": payment["amount"],
                "currency": payment["currency"],
                "last4": "1111",
                "reference": payment["reference"],
            }
        ).encode()
        return body, {"kortia-signature": self.sign(body)}

    def sign(self, body: bytes) -> str:
        return hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()

    def parse_callback(
        self, *, body: bytes, headers: dict[str, str], now: datetime
    ) -> ProviderEvent:
        if not hmac.compare_digest(headers.get("kortia-signature", ""), self.sign(body)):
            raise WebhookRejected("bad signature")
        data = json.loads(body)
        return ProviderEvent(
            event_id=data["id"],
            provider_ref=data["payment"],
            kind="paid",
            occurred_at=now,
            amount=Decimal(data["amount"]),
            currency=data["currency"],
            payment_ref=data["payment"],
            card_last4=data["last4"],
            raw_type=data["type"],
            extra={"reference": data["reference"]},
        )

    def refund(
        self, *, payment_ref, amount, currency, reference, callback_url, idempotency_key
    ) -> RefundResult:
        return RefundResult(refund_ref=f"kr_{payment_ref}", status="done")
