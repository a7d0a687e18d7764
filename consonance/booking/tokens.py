"""Signed tokens for the links a client gets (status, cancellation): a booking id and nonce only."""

from __future__ import annotations

import secrets

from django.core import signing

from consonance.booking.models import Booking

TOKEN_AGES = {
    "status": 60 * 60 * 24 * 30,
    "cancel": 60 * 60 * 24 * 400,
    "move": 60 * 60 * 24 * 400,
}


def booking_token(booking: Booking, purpose: str) -> str:
    """A signed token naming the booking (its id and nonce only, no personal data)."""
    return signing.dumps([booking.pk, booking.nonce], salt=f"booking.{purpose}")


def booking_from_token(token: str, purpose: str) -> Booking | None:
    try:
        pk, nonce = signing.loads(token, salt=f"booking.{purpose}", max_age=TOKEN_AGES[purpose])
    except (signing.BadSignature, ValueError, TypeError):
        return None
    booking = Booking.objects.select_related("service", "order", "person").filter(pk=pk).first()
    if booking is None or not secrets.compare_digest(booking.nonce, str(nonce)):
        return None
    return booking
