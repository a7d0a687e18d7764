"""The booking app's reactions to hooks of the apps below it, registered in BookingConfig.ready()."""

from __future__ import annotations

from consonance.booking import services
from consonance.payments import hooks as payment_hooks


def register() -> None:
    payment_hooks.order_paid.register(services.booking_confirm_paid)
    payment_hooks.payment_failed.register(services.booking_release_failed_payment)
