"""The coach's actions on one booking: see it, cancel, move, mark a no-show, set the video link,
try moving its Zoom meeting again; and a booking she makes herself. Each action is a POST that
redirects back with a message."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from consonance.audit.services import actor_staff_request
from consonance.booking import changes, selectors, services
from consonance.booking.errors import ProcessingRestricted
from consonance.booking.forms import CancelForm, CoachBookingForm, LinkForm, MoveForm
from consonance.booking.models import Booking
from consonance.booking.time_checks import NeedsConfirmation, confirmation_key
from consonance.lib.money import format_amount


def _booking(pk: int) -> Booking:
    return get_object_or_404(Booking.objects.select_related("service", "order", "person"), pk=pk)


def detail(request: HttpRequest, pk: int, unusual: dict | None = None, **forms) -> HttpResponse:
    booking = _booking(pk)
    now = timezone.now()
    allowed = selectors.staff_actions(booking, now)
    context = {
        "booking": booking,
        "order": booking.order,
        "started": allowed.started,
        "can_cancel": allowed.can_cancel,
        "can_move": allowed.can_move,
        "can_no_show": allowed.can_no_show,
        "rule_refund": selectors.refund_due(booking, now) if booking.is_active else None,
        "cancel_form": forms.get("cancel_form") or CancelForm(),
        "move_form": forms.get("move_form") or MoveForm(),
        "link_form": forms.get("link_form")
        or LinkForm(initial={"join_url": booking.join_url or settings.VIDEO_LINK}),
        "unusual": unusual,
    }
    status = 200 if unusual or not forms else 400
    return render(request, "booking/staff/booking.html", context, status=status)


def _unusual(error: NeedsConfirmation, starts_at) -> dict:
    """What the re-rendered form shows: why the time is unusual, and the start to confirm."""
    return {"reasons": error.reasons, "key": confirmation_key(starts_at)}


@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    form = CancelForm(request.POST)
    if not form.is_valid():
        return detail(request, pk, cancel_form=form)
    try:
        refund = services.booking_cancel(
            booking_id=pk,
            actor=actor_staff_request(request),
            full_refund=form.cleaned_data["refund"] == "full",
        )
    except services.BookingError:
        messages.error(
            request, _("Bokningen kan inte avbokas: den är redan avbokad eller har börjat.")
        )
        return redirect("booking_staff:detail", pk=pk)
    if refund > 0:
        messages.success(
            request,
            _("Bokningen är avbokad. %(amount)s betalas tillbaka.")
            % {"amount": format_amount(refund)},
        )
    else:
        messages.success(request, _("Bokningen är avbokad."))
    return redirect("booking_staff:detail", pk=pk)


@require_POST
def move(request: HttpRequest, pk: int) -> HttpResponse:
    form = MoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Rätta uppgifterna som är markerade."))
        return detail(request, pk, move_form=form)
    try:
        changes.booking_move(
            booking_id=pk,
            starts_at=form.starts_at(),
            actor=actor_staff_request(request),
            by_client=False,
            confirmed=request.POST.get("confirm", ""),
        )
    except NeedsConfirmation as error:
        return detail(request, pk, unusual=_unusual(error, form.starts_at()), move_form=form)
    except services.SlotTaken:
        form.add_error(None, _("Tiden krockar med en annan bokning."))
        return detail(request, pk, move_form=form)
    except services.BookingError:
        form.add_error(
            None,
            _("Bokningen kan inte flyttas (den har börjat, är avbokad eller tiden har passerat)."),
        )
        return detail(request, pk, move_form=form)
    messages.success(request, _("Bokningen är flyttad. Klienten har fått den nya tiden."))
    return redirect("booking_staff:detail", pk=pk)


@require_POST
def no_show(request: HttpRequest, pk: int) -> HttpResponse:
    if changes.booking_mark_no_show(booking_id=_booking(pk).pk, actor=actor_staff_request(request)):
        messages.success(request, _("Markerad som utebliven."))
    else:
        messages.error(
            request, _("Bara en bekräftad session som har börjat kan markeras som utebliven.")
        )
    return redirect("booking_staff:detail", pk=pk)


@require_POST
def video_link(request: HttpRequest, pk: int) -> HttpResponse:
    form = LinkForm(request.POST)
    if not form.is_valid():
        return detail(request, pk, link_form=form)
    try:
        changes.booking_set_video_link(
            booking_id=_booking(pk).pk,
            join_url=form.cleaned_data["join_url"],
            actor=actor_staff_request(request),
        )
    except services.BookingError:
        messages.error(request, _("Bokningen har ingen kommande videosession."))
        return redirect("booking_staff:detail", pk=pk)
    messages.success(request, _("Länken är sparad och skickad till klienten."))
    return redirect("booking_staff:detail", pk=pk)


@require_POST
def zoom_retry(request: HttpRequest, pk: int) -> HttpResponse:
    if changes.booking_zoom_retry(booking_id=_booking(pk).pk, actor=actor_staff_request(request)):
        messages.success(request, _("Zoom-mötet flyttas nu till bokningens tid."))
    else:
        messages.error(request, _("Zoom-mötet har redan rätt tid."))
    return redirect("booking_staff:detail", pk=pk)


def create(request: HttpRequest) -> HttpResponse:
    form = CoachBookingForm(request.POST or None)
    unusual = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        client = services.Client(
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data["email"],
            language=data["language"],
        )
        try:
            booking = changes.booking_create_by_coach(
                service=data["service"],
                starts_at=form.starts_at(),
                client=client,
                invoice=data["payment"] == "invoice",
                actor=actor_staff_request(request),
                confirmed=request.POST.get("confirm", ""),
            )
        except NeedsConfirmation as error:
            unusual = _unusual(error, form.starts_at())
        except services.SlotTaken:
            form.add_error(None, _("Tiden är passerad eller krockar med en annan bokning."))
        except ProcessingRestricted:
            form.add_error(
                None,
                _(
                    "Klienten har begränsat behandlingen av sina uppgifter: ingen ny bokning kan göras."
                ),
            )
        except services.BookingError:
            form.add_error(None, _("Bokningen kunde inte göras."))
        else:
            messages.success(
                request, _("Bokningen är gjord. Klienten har fått ett e-postmeddelande.")
            )
            return redirect("booking_staff:detail", pk=booking.pk)
    if request.method == "POST" and not unusual:
        messages.error(request, _("Rätta uppgifterna som är markerade."))
    return render(
        request,
        "booking/staff/create.html",
        {
            "form": form,
            "unusual": unusual,
        },
        status=400 if request.method == "POST" and not unusual else 200,
    )
