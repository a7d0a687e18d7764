"""Paying for a booking: start the provider's payment, and what the status page shows meanwhile.

The payments app knows nothing of bookings: booking tells it where the payer comes back to.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from consonance.booking import services
from consonance.booking.models import Booking
from consonance.booking.tokens import booking_token
from consonance.lib.urls import absolute_reverse
from consonance.payments.bankgiro.services import bankgiro_payment_instructions
from consonance.payments.models import Order
from consonance.payments.providers.base import ProviderError
from consonance.payments.selectors import swish_prompt
from consonance.payments.services import payment_start

# Where a payer comes back to from each provider (Swish's app returns to the status page).
RETURN_VIEW: dict[str, str] = {
    Order.Method.CARD: "payments-return",
    Order.Method.PAYPAL: "payments-return-paypal",
    Order.Method.SWISH: "booking-status",
    Order.Method.BANKGIRO: "booking-status",
}


def booking_payment_start(*, booking: Booking) -> str:
    """Start paying a held booking; returns where to send the payer (the provider's page, or the
    booking's status page). On ProviderError the hold is released and the error raised again."""
    order = booking.order
    assert order is not None  # booking_hold creates the order with the booking
    token = booking_token(booking, "status")
    try:
        started = payment_start(
            order_id=order.pk,
            return_url=absolute_reverse(RETURN_VIEW[order.method], token),
            cancel_url=absolute_reverse("payments-cancel", token),
        )
    except ProviderError:
        services.booking_release(booking_id=booking.pk, reason="payment_start_failed")
        raise
    if started.redirect_url:
        return started.redirect_url
    url = reverse("booking-status", args=[token])
    if started.swish_token:
        url += "?swish=" + started.swish_token
    return url


@dataclass(frozen=True)
class PaymentState:
    """What the status page shows while a booking waits for its money."""

    instructions: dict | None = None  # a Bankgiro invoice: bankgiro, OCR, amount, due date
    refresh: bool = False  # the page reloads itself until the payment is in
    swish_qr: str = ""
    swish_link: str = ""


def payment_state(booking: Booking, *, swish_token: str, here: str) -> PaymentState:
    order = booking.order
    if order is not None and order.method == Order.Method.BANKGIRO and order.ocr_reference:
        return PaymentState(instructions=bankgiro_payment_instructions(order))
    if booking.state != Booking.State.HELD:
        return PaymentState()
    if order is not None and order.method == Order.Method.SWISH and swish_token.isalnum():
        prompt = swish_prompt(token=swish_token, return_url=here)
        return PaymentState(refresh=True, swish_qr=prompt.qr_svg, swish_link=prompt.app_link)
    return PaymentState(refresh=True)
