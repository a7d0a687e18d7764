"""Pages a payer comes back to from a provider (under /payments/, no language prefix: providers
call fixed URLs). The webhooks themselves are the payments app's."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from consonance.booking import services
from consonance.booking.models import Booking
from consonance.booking.tokens import booking_from_token
from consonance.payments import methods
from consonance.payments.providers.base import ProviderError

log = logging.getLogger(__name__)


def _booking(token: str) -> Booking:
    booking = booking_from_token(token, "status")
    if booking is None:
        raise Http404("unknown booking")
    return booking


def _in_her_language(booking: Booking, name: str, *args: object) -> str:
    """A page in the language she booked in: the providers' return addresses carry none."""
    with translation.override(booking.language):
        return reverse(name, args=args)


def _status_url(booking: Booking, token: str) -> str:
    return _in_her_language(booking, "booking-status", token)


@require_GET
def payment_return(request: HttpRequest, token: str) -> HttpResponse:
    """Back from Stripe Checkout: the webhook confirms; the status page waits for it."""
    return redirect(_status_url(_booking(token), token))


@require_GET
def paypal_return(request: HttpRequest, token: str) -> HttpResponse:
    """Back from PayPal with ?token=<PayPal order id>: capture it now."""
    booking = _booking(token)
    order = booking.order
    on_return = methods.method(order.method).on_return if order is not None else None
    if order is None or on_return is None:
        raise Http404("not a PayPal order")  # the one method that captures on return
    if request.GET.get("token") != order.provider_ref:
        raise Http404("another PayPal order")
    if order.amount_paid == 0:
        try:
            on_return(order.pk)
        except (ProviderError, ValueError):
            log.warning("PayPal capture failed for order %s", order.pk)
            with translation.override(booking.language):
                messages.error(request, _("PayPal kunde inte genomföra betalningen. Försök igen."))
    return redirect(_status_url(booking, token))


@require_GET
def payment_cancel(request: HttpRequest, token: str) -> HttpResponse:
    """The payer gave up at the provider: release the slot."""
    booking = _booking(token)
    if services.booking_release(booking_id=booking.pk, reason="payment_cancelled"):
        with translation.override(booking.language):
            messages.info(request, _("Betalningen avbröts och tiden är släppt."))
    return redirect(_in_her_language(booking, "booking-service", booking.service_id))
