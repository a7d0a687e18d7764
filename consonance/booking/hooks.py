"""What the booking app tells the apps above it (journal...)."""

from __future__ import annotations

from consonance.booking.models import Booking
from consonance.lib.hooks import Hook

#: A booking was confirmed (paid). The journal opens an e-mail consultation for an e-mail service.
booking_confirmed: Hook[Booking] = Hook("booking.booking_confirmed")

#: A booking was cancelled (by the client or the coach); the journal closes its e-mail consultation.
booking_cancelled: Hook[Booking] = Hook("booking.booking_cancelled")
