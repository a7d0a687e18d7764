"""A client moves her session herself, from the signed link in her e-mails, within the service's
rule (as long as a cancellation would give everything back)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from consonance.audit.services import actor_person
from consonance.booking import changes, selectors, services
from consonance.booking.models import Booking
from consonance.booking.tokens import booking_from_token, booking_token
from consonance.booking.views import format_start, parse_start
from consonance.lib.time import STOCKHOLM

DAYS_SHOWN = 14


def _slots(booking: Booking, now) -> list:
    slots = selectors.free_slots(booking.service, now=now)
    # Two weeks from the first free time (a holiday ahead leaves no empty page).
    last = (slots[0].start if slots else now) + timedelta(days=DAYS_SHOWN)
    days = selectors.slots_by_day([s for s in slots if s.start < last], STOCKHOLM)
    return [
        (day, [(format_start(slot.start), sthlm) for slot, sthlm, _l in entries])
        for day, entries in days
    ]


@require_http_methods(["GET", "POST"])
def move(request: HttpRequest, token: str) -> HttpResponse:
    booking = booking_from_token(token, "move")
    if booking is None or not booking.service.has_slot:
        raise Http404("unknown booking")
    now = timezone.now()
    allowed = changes.client_may_move(booking, now)
    if request.method == "POST" and allowed:
        try:
            changes.booking_move(
                booking_id=booking.pk,
                starts_at=parse_start(request.POST.get("start", "")),
                actor=actor_person(booking.person_id),
                by_client=True,
            )
        except services.SlotTaken:
            messages.error(request, _("Tiden hann bokas av någon annan. Välj en annan tid."))
            return redirect(request.path)
        except services.BookingError:
            messages.error(request, _("Bokningen kunde inte flyttas."))
            return redirect(request.path)
        messages.success(request, _("Klart! Du har fått den nya tiden via e-post."))
        return redirect(reverse("booking-status", args=[booking_token(booking, "status")]))
    return render(
        request,
        "booking/move.html",
        {
            "booking": booking,
            "allowed": allowed,
            "deadline": changes.move_deadline(booking),
            "days": _slots(booking, now) if allowed else [],
            "cancel_url": reverse("booking-cancel", args=[booking_token(booking, "cancel")]),
        },
    )
