"""Webhooks of the payment providers (no language prefix: providers call fixed URLs).

Webhooks: a body over consonance.lib.jsonlimits.MAX_BYTES is answered 413 unread; a bad signature
(or a Swish callback naming an unknown payment, or JSON nested too deep) is answered 400 and
logged without the body or any personal data; a genuine event we do not act on gets 200 so the
provider stops retrying; a provider we cannot reach to verify gets 503 so it retries later.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from consonance.lib.jsonlimits import BodyTooLarge, request_body
from consonance.payments.providers import config
from consonance.payments.providers.base import ProviderError, WebhookRejected
from consonance.payments.providers.stripe.adapter import IgnoredEvent
from consonance.payments.services import payment_apply_event

log = logging.getLogger(__name__)


def _headers(request: HttpRequest) -> dict[str, str]:
    return {key.lower(): value for key, value in request.headers.items()}


def _webhook(request: HttpRequest, name: str) -> HttpResponse:
    # The body is read (up to the limit) before anything is answered: a proxy still sending it
    # to a server that has answered and closed would turn the answer into a 502.
    try:
        body = request_body(request)
    except BodyTooLarge:
        log.warning("%s webhook refused: body over the limit", name)
        return HttpResponse(status=413)
    provider = config.provider_for(name)
    if provider is None:
        return HttpResponse(status=404)
    try:
        event = provider.parse_callback(body=body, headers=_headers(request), now=timezone.now())
    except IgnoredEvent:
        return HttpResponse(status=200)
    except WebhookRejected as rejected:
        # The reason is ours (no body, no payer data); the address may be worth blocking.
        log.warning("%s webhook refused: %s", name, rejected)
        return HttpResponse(status=400)
    except ProviderError:
        log.warning("%s webhook could not be verified now; the provider will retry", name)
        return HttpResponse(status=503)
    try:
        outcome = payment_apply_event(provider=name, event=event)
    except ProviderError:
        log.warning("%s webhook: the provider could not be reached to act on it", name)
        return HttpResponse(status=503)
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
