"""Swish (Commerce API, mutual TLS): the row of the table of methods, its settings reader and its
quirks: the payer's phone number (payer alias) and the QR code or app switch that opens the
payment request on her phone."""

from __future__ import annotations

from typing import Any

import segno
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from consonance.payments.methods import PaymentMethod
from consonance.payments.models import Order
from consonance.payments.providers.config import cached
from consonance.payments.providers.swish.adapter import (
    SwishError,
    SwishProvider,
    app_switch_url,
    normalize_payer_alias,
)

NAME = "swish"


def build() -> SwishProvider | None:
    alias, cert, key = (
        settings.SWISH_PAYEE_ALIAS.strip(),
        settings.SWISH_CERT.strip(),
        settings.SWISH_KEY.strip(),
    )
    if not alias or not cert or not key:
        return None
    ca = settings.SWISH_CA.strip() or None
    passphrase = settings.SWISH_KEY_PASSPHRASE or None
    base = settings.SWISH_API_BASE
    return cached(
        (NAME, alias, cert, key, ca, passphrase, base),
        lambda: SwishProvider(
            base_url=base,
            payee_alias=alias,
            cert_path=cert,
            key_path=key,
            ca_bundle_path=ca,
            key_passphrase=passphrase,
        ),
    )


def start_options(order: Order, return_url: str) -> dict[str, Any]:
    """E-commerce (the request sent to her phone) when she gave her number, else m-commerce."""
    billing = getattr(order, "billing", None)
    phone = billing.phone if billing is not None else ""
    return {"return_url": return_url, "payer_alias": phone or None}


def normalize_phone(raw: str) -> str:
    try:
        return normalize_payer_alias(raw)
    except SwishError as error:
        raise ValueError(str(error)) from error


def prompt(token: str, return_url: str) -> tuple[str, str]:
    """How the payer opens an m-commerce payment request: a QR code holding "D" + the payment
    request token, or the app-switch link on the same phone."""
    qr_svg = segno.make("D" + token, error="m").svg_inline(scale=4, title="Swish")
    return qr_svg, app_switch_url(token, return_url)


METHOD = PaymentMethod(
    value="swish",
    provider=NAME,
    label=_("Swish"),
    display_name="Swish",
    position=20,
    holder="bank",
    document="receipt",
    return_view="booking-status",
    recipient="swish_bank",
    phone=True,
    billing=True,
    settings=(
        (
            "`CONSONANCE_SWISH_PAYEE_ALIAS`, `_CERT`, `_KEY`",
            "Swish Commerce API: the merchant number and the client certificate and key (PEM file "
            "paths); callback `/payments/webhooks/swish/` needs an https `CONSONANCE_SITE_URL`",
        ),
        (
            "`CONSONANCE_SWISH_KEY_PASSPHRASE`, `_CA`, `_API_BASE`",
            "optional; the default API base is production Swish",
        ),
    ),
    build=build,
    start_options=start_options,
    normalize_phone=normalize_phone,
    prompt=prompt,
    prompt_param=NAME,  # /boka/status/<token>/?swish=<payment request token>
)
