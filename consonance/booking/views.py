"""Public booking pages: services, free times, the booking form, status and cancellation."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import cast
from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from consonance.booking import checkout, selectors, services
from consonance.booking.forms import BookingForm
from consonance.booking.hooks import documents_for
from consonance.booking.models import Booking, Service
from consonance.booking.tokens import booking_from_token, booking_token
from consonance.lib.i18n import current_language
from consonance.lib.ratelimit import rate_limit_response, rate_limited
from consonance.lib.time import STOCKHOLM
from consonance.payments.providers import config
from consonance.payments.providers.base import ProviderError
from consonance.privacy.closure import closure_in_force

log = logging.getLogger(__name__)

START_FORMAT = "%Y%m%dT%H%MZ"
DAYS_PER_PAGE = 7
MAX_PAGE = 520  # ten years of weeks: beyond any booking horizon, far from date overflow
COMMON_ZONES = [
    "Europe/Stockholm",
    "Europe/Helsinki",
    "Europe/London",
    "Europe/Lisbon",
    "Europe/Berlin",
    "Europe/Athens",
    "Atlantic/Canary",
    "Asia/Dubai",
    "Asia/Bangkok",
    "Asia/Tokyo",
    "Australia/Sydney",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "UTC",
]


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def _visitor_zone(request: HttpRequest) -> ZoneInfo:
    name = request.GET.get("tz", "")
    if name and name in _zones():
        return ZoneInfo(name)
    return STOCKHOLM


def _zone_choices(current: ZoneInfo) -> list[str]:
    zones = list(COMMON_ZONES)
    if str(current) not in zones:
        zones.insert(0, str(current))
    return zones


def format_start(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(START_FORMAT)


def parse_start(text: str) -> datetime:
    """A slot's start from the URL; 404 for anything that is not a plausible one (years far off
    overflow the date arithmetic of the zones and the slot's end)."""
    try:
        moment = datetime.strptime(text, START_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise Http404("not a start time") from None
    if not 2000 <= moment.year <= 2999:
        raise Http404("not a start time")
    return moment


def _closed(request: HttpRequest) -> HttpResponse | None:
    """While the practice is closing, nothing can be booked (the page says so)."""
    if (closure := closure_in_force()) is None:
        return None
    return render(request, "privacy/practice_closed.html", {"closure": closure}, status=410)


def services_list(request: HttpRequest) -> HttpResponse:
    if (closed := _closed(request)) is not None:
        return closed
    return render(request, "booking/services.html", {"services": selectors.services_bookable()})


def service_page(request: HttpRequest, service_id: int) -> HttpResponse:
    if (closed := _closed(request)) is not None:
        return closed
    service = get_object_or_404(Service, pk=service_id, active=True)
    if not service.has_slot:
        return book(request, service_id=service_id, start=None)
    zone = _visitor_zone(request)
    now = timezone.now()
    slots = selectors.offered_slots(service, now=now)
    today = now.astimezone(zone).date()
    try:
        page = min(max(0, int(request.GET.get("sida", "0"))), MAX_PAGE)
    except ValueError:
        page = 0
    if "sida" not in request.GET and slots:
        # Opened plainly: the page of the first free time (after a holiday, say), not empty weeks.
        page = min((slots[0].start.astimezone(zone).date() - today).days // DAYS_PER_PAGE, MAX_PAGE)
    first_day = today + timedelta(days=page * DAYS_PER_PAGE)
    last_day = first_day + timedelta(days=DAYS_PER_PAGE)
    shown = [s for s in slots if first_day <= s.start.astimezone(zone).date() < last_day]
    more = any(s.start.astimezone(zone).date() >= last_day for s in slots)
    days = [
        (day, [(format_start(slot.start), sthlm, local) for slot, sthlm, local in entries])
        for day, entries in selectors.slots_by_day(shown, zone)
    ]
    tz_query = f"tz={zone}" if zone != STOCKHOLM else ""
    return render(
        request,
        "booking/slots.html",
        {
            "service": service,
            "days": days,
            "zone": str(zone),
            "other_zone": zone != STOCKHOLM,
            "zones": _zone_choices(zone),
            "tz_query": tz_query,
            "page": page,
            "previous_page": page - 1 if page > 0 else None,
            "next_page": page + 1 if more else None,
            "first_day": first_day,
            "last_day": last_day - timedelta(days=1),
            "any_slots": bool(slots),
            "bankgiro_only": selectors.bankgiro_only_configured(),
            "bankgiro_days": selectors.BANKGIRO_MIN_LEAD.days,
        },
    )


@require_http_methods(["GET", "POST"])
def book(request: HttpRequest, service_id: int, start: str | None) -> HttpResponse:
    if (closed := _closed(request)) is not None:
        return closed
    service = get_object_or_404(Service, pk=service_id, active=True)
    now = timezone.now()
    starts_at = None
    zone = _visitor_zone(request)
    back = reverse("booking-service", args=[service.pk])
    if service.has_slot:
        if start is None:
            raise Http404("a start time is needed")
        starts_at = parse_start(start)
        if not selectors.slot_bookable(
            service, starts_at, now=now, settings=services.PracticeSettings.load()
        ):
            messages.error(request, _("Tiden är inte längre ledig. Välj en annan tid."))
            return redirect(back)
    elif start is not None:
        raise Http404("an e-mail consultation has no start time")
    methods = selectors.payment_methods(service, starts_at, now)
    form = BookingForm(request.POST or None, methods=methods)
    if request.method == "POST" and methods and form.is_valid():
        if rate_limited(request, "booking", address=form.cleaned_data["email"]):
            return rate_limit_response(request)
        return _hold_and_pay(request, service, starts_at, form.cleaned_data, back)
    context = {
        "service": service,
        "form": form,
        "starts_at": starts_at,
        "ends_at": starts_at + timedelta(minutes=service.duration_minutes) if starts_at else None,
        "zone": str(zone),
        "other_zone": zone != STOCKHOLM,
        "no_methods": not methods,
        "bankgiro_too_soon": selectors.bankgiro_only_too_soon(methods),
        "back": back,
    }
    return _allow_checkout(render(request, "booking/book.html", context))


def _allow_checkout(response: HttpResponse) -> HttpResponse:
    """The form's answer redirects to the provider's checkout, and browsers hold that redirect
    to the form page's CSP form-action: allow the configured providers' checkout origins."""
    form_action = cast("list[str]", settings.SECURE_CSP["form-action"])
    response._csp_config = {  # type: ignore[attr-defined]  # read by Django's CSP middleware
        **settings.SECURE_CSP,
        "form-action": [*form_action, *config.checkout_origins()],
    }
    return response


def _hold_and_pay(
    request: HttpRequest, service: Service, starts_at: datetime | None, data: dict, back: str
) -> HttpResponse:
    client = services.Client(
        first_name=data["first_name"],
        last_name=data["last_name"],
        email=data["email"],
        language=current_language(),
        phone=data.get("phone", ""),
    )
    try:
        booking = services.booking_hold(
            service=service, starts_at=starts_at, client=client, method=data["method"]
        )
    except services.SlotTaken:
        messages.error(request, _("Tiden hann bokas av någon annan. Välj en annan tid."))
        return redirect(back)
    except services.BookingError:
        messages.error(request, _("Bokningen kunde inte göras. Försök igen."))
        return redirect(back)
    return _start_payment(request, booking)


def _start_payment(request: HttpRequest, booking: Booking) -> HttpResponse:
    try:
        return redirect(checkout.booking_payment_start(booking=booking))
    except ProviderError:
        log.warning("payment start failed for order %s", booking.order_id)
        messages.error(
            request,
            _(
                "Betalningen kunde inte startas just nu. Försök igen eller välj ett annat betalsätt."
            ),
        )
        return redirect(reverse("booking-service", args=[booking.service_id]))


def status(request: HttpRequest, token: str) -> HttpResponse:
    booking = booking_from_token(token, "status")
    if booking is None:
        raise Http404("unknown booking")
    payment = checkout.payment_state(
        booking,
        query=request.GET,
        here=request.build_absolute_uri(request.path),
    )
    context = {
        "booking": booking,
        "order": booking.order,
        "cancel_url": reverse("booking-cancel", args=[booking_token(booking, "cancel")]),
        "refund_deadline": selectors.refund_deadline(booking),
        "instructions": payment.instructions,
        "refresh": payment.refresh,
        "swish_qr": payment.swish_qr,
        "swish_link": payment.swish_link,
        "documents": documents_for(booking.order),
    }
    response = render(request, "booking/status.html", context)
    if payment.refresh:
        response["Refresh"] = "5"  # the browser reloads until the payment is in; no script
    return response


@require_http_methods(["GET", "POST"])
def cancel(request: HttpRequest, token: str) -> HttpResponse:
    booking = booking_from_token(token, "cancel")
    if booking is None:
        raise Http404("unknown booking")
    now = timezone.now()
    started = booking.starts_at is not None and booking.starts_at <= now
    if request.method == "POST" and booking.is_active and not started:
        try:
            refund = services.booking_cancel(
                booking_id=booking.pk, actor=f"person:{booking.person_id}"
            )
        except services.BookingError:
            messages.error(request, _("Bokningen kunde inte avbokas."))
            return redirect(request.path)
        return render(request, "booking/cancelled.html", {"booking": booking, "refund": refund})
    return render(
        request,
        "booking/cancel.html",
        {
            "booking": booking,
            "refund": selectors.refund_due(booking, now) if booking.is_active else None,
            "started": started,
            "deadline": selectors.refund_deadline(booking),
            "move_url": reverse("booking-move", args=[booking_token(booking, "move")])
            if booking.starts_at is not None and booking.state == Booking.State.CONFIRMED
            else "",
        },
    )
