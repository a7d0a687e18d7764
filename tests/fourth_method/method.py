"""Kortia's row of the table of methods: a card provider that holds the money on the card
clearing account until it pays out, and gives a receipt."""

from __future__ import annotations

from django.conf import settings

from consonance.payments.methods import PaymentMethod
from consonance.payments.providers.config import cached
from tests.fourth_method.adapter import KortiaProvider


def build() -> KortiaProvider | None:
    secret = getattr(settings, "KORTIA_SECRET", "")
    return cached(("kortia", secret), lambda: KortiaProvider(secret=secret)) if secret else None


METHOD = PaymentMethod(
    value="kortia",
    provider="kortia",
    label="Kort (Kortia)",
    display_name="Kortia",
    position=15,
    holder="card",
    document="receipt",
    return_view="payments-return",
    recipient="stripe",  # the policy file names its recipients; a real one would add its own
    settings=(("`CONSONANCE_KORTIA_SECRET`", "card payments through Kortia"),),
    build=build,
    checkout_origins=lambda: ["https://pay.kortia.example"] if build() else [],
)
