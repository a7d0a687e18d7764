"""Paying for a booking: start the provider's payment, and what the status page shows meanwhile.

The payments app knows nothing of bookings: booking tells it where the payer comes back to.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.urls import reverse

from consonance.booking import services
from consonance.booking.models import Booking
from consonance.booking.tokens import booking_token
from consonance.lib.urls import absolute_reverse
from consonance.payments import methods
from consonance.payments.bankgiro.services import bankgiro_payment_instructions
from consonance.payments.providers.base import ProviderError
from consonance.payments.services import payment_start


def booking_payment_start(*, booking: Booking) -> str:
    """Start paying a held booking; returns where to send the payer (the provider's page, or the
    booking's status page). On ProviderError the hold is released and the error raised again."""
    order = booking.order
    assert order is not None  # booking_hold creates the order with the booking
    token = booking_token(booking, "status")
    try:
        started = payment_start(
            order_id=order.pk,
            return_url=absolute_reverse(methods.method(order.method).return_view, token),
            cancel_url=absolute_reverse("payments-cancel", token),
        )
    except ProviderError:
        services.booking_release(booking_id=booking.pk, reason="payment_start_failed")
        raise
    if started.redirect_url:
        return started.redirect_url
    url = reverse("booking-status", args=[token])
    if started.swish_token:
        url += f"?{methods.method(order.method).prompt_param}=" + started.swish_token
    return url


@dataclass(frozen=True)
class PaymentState:
    """What the status page shows while a booking waits for its money."""

    instructions: dict | None = None  # a Bankgiro invoice: bankgiro, OCR, amount, due date
    refresh: bool = False  # the page reloads itself until the payment is in
    swish_qr: str = ""
    swish_link: str = ""


def payment_state(booking: Booking, *, query: Mapping[str, str], here: str) -> PaymentState:
    """`query`: the status page's query string (a payment request's token to open on her phone)."""
    order = booking.order
    row = methods.method(order.method) if order is not None else None
    if order is not None and row is not None and row.document == "invoice" and order.ocr_reference:
        return PaymentState(instructions=bankgiro_payment_instructions(order))
    if booking.state != Booking.State.HELD:
        return PaymentState()
    token = query.get(row.prompt_param, "") if row is not None and row.prompt_param else ""
    if row is not None and row.prompt is not None and token.isalnum():
        qr_svg, app_link = row.prompt(token, here)
        return PaymentState(refresh=True, swish_qr=qr_svg, swish_link=app_link)
    return PaymentState(refresh=True)
