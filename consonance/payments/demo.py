"""Demo part of payments: nothing of its own.

Every demo order belongs to a booking, so consonance/booking/demo.py (which runs after this app)
creates the orders with their events, the billing details, the Bankgiro invoice and the refund
task.
"""

from __future__ import annotations


def load(out) -> None:
    return None
