"""Provider return pages and webhooks (no language prefix: providers call fixed URLs).

Webhooks: a bad signature (or a Swish callback naming an unknown payment) is answered 400 and
logged without the body or any personal data; a genuine event we do not act on gets 200 so the
provider stops retrying; a provider we cannot reach to verify gets 503 so it retries later.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from consonance.booking.models import Booking
from consonance.booking.services import booking_from_token, booking_release
from consonance.payments.models import Order
from consonance.payments.providers import config
from consonance.payments.providers.base import ProviderError, WebhookRejected
from consonance.payments.providers.stripe import IgnoredEvent
from consonance.payments.services import payment_apply_event, paypal_capture

log = logging.getLogger(__name__)


def _booking(token: str) -> Booking:
    booking = booking_from_token(token, "status")
    if booking is None:
        raise Http404("unknown booking")
    return booking


def _status_url(token: str) -> str:
    return reverse("booking-status", args=[token])


@require_GET
def payment_return(request: HttpRequest, token: str) -> HttpResponse:
    """Back from Stripe Checkout: the webhook confirms; the status page waits for it."""
    _booking(token)
    return redirect(_status_url(token))


@require_GET
def paypal_return(request: HttpRequest, token: str) -> HttpResponse:
    """Back from PayPal with ?token=<PayPal order id>: capture it now."""
    booking = _booking(token)
    order = booking.order
    if order is None or order.method != Order.Method.PAYPAL:
        raise Http404("not a PayPal order")
    if request.GET.get("token") != order.provider_ref:
        raise Http404("another PayPal order")
    if order.amount_paid == 0:
        try:
            paypal_capture(order_id=order.pk)
        except (ProviderError, ValueError):
            log.warning("PayPal capture failed for order %s", order.pk)
            messages.error(request, _("PayPal kunde inte genomföra betalningen. Försök igen."))
    return redirect(_status_url(token))


@require_GET
def payment_cancel(request: HttpRequest, token: str) -> HttpResponse:
    """The payer gave up at the provider: release the slot."""
    booking = _booking(token)
    if booking_release(booking_id=booking.pk, reason="payment_cancelled"):
        messages.info(request, _("Betalningen avbröts och tiden är släppt."))
    return redirect(reverse("booking-service", args=[booking.service_id]))


def _headers(request: HttpRequest) -> dict[str, str]:
    return {key.lower(): value for key, value in request.headers.items()}


def _webhook(request: HttpRequest, name: str) -> HttpResponse:
    provider = config.provider_for(name)
    if provider is None:
        return HttpResponse(status=404)
    try:
        event = provider.parse_callback(
            body=request.body, headers=_headers(request), now=timezone.now()
        )
    except IgnoredEvent:
        return HttpResponse(status=200)
    except WebhookRejected as rejected:
        # The reason is ours (no body, no payer data); the address may be worth blocking.
        log.warning("%s webhook refused: %s", name, rejected)
        return HttpResponse(status=400)
    except ProviderError:
        log.warning("%s webhook could not be verified now; the provider will retry", name)
        return HttpResponse(status=503)
    if name == "paypal" and event.kind == "pending" and event.extra.get("next_action") == "capture":
        order = Order.objects.filter(
            method=Order.Method.PAYPAL, provider_ref=event.provider_ref
        ).first()
        if order is not None and order.amount_paid == 0:
            try:
                paypal_capture(order_id=order.pk)
            except (ProviderError, ValueError):
                log.warning("PayPal capture from webhook failed for order %s", order.pk)
                return HttpResponse(status=503)
        return HttpResponse(status=200)
    outcome = payment_apply_event(provider=name, event=event)
    log.info("%s webhook %s: %s", name, event.raw_type, outcome)
    return HttpResponse(status=200)


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    return _webhook(request, "stripe")


@csrf_exempt
@require_POST
def paypal_webhook(request: HttpRequest) -> HttpResponse:
    return _webhook(request, "paypal")


@csrf_exempt
@require_POST
def swish_webhook(request: HttpRequest) -> HttpResponse:
    return _webhook(request, "swish")
