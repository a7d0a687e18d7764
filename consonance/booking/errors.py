"""What a booking refusal is; the message is safe to show."""

from __future__ import annotations


class BookingError(Exception):
    """A booking cannot be made or changed; the message is safe to show."""


class ProcessingRestricted(BookingError):
    """The person has restricted the processing of her data: nothing new is booked."""


class SlotTaken(BookingError):
    pass
