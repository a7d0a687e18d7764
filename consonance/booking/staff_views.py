"""The coach's booking pages: bookings, services and prices, opening hours, days off (their
writes are in practice.py, their forms in forms.py)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from consonance.audit.services import actor_staff_request
from consonance.booking import practice, selectors
from consonance.booking.forms import (
    DayOffForm,
    OpeningHoursFormSet,
    PracticeSettingsForm,
    ServiceForm,
)
from consonance.booking.models import DayOff, OpeningHours, PracticeSettings, Service
from consonance.people.selectors import persons_read


def bookings(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    upcoming = list(selectors.bookings_upcoming(now)[:200])
    past = list(selectors.bookings_past(now)[:100])
    persons_read(upcoming + past)  # her names: one key read, not 300
    return render(
        request,
        "booking/staff/bookings.html",
        {"upcoming": upcoming, "past": past, "now": now},
    )


def services(request: HttpRequest) -> HttpResponse:
    return render(request, "booking/staff/services.html", {"services": Service.objects.all()})


def service_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    service = get_object_or_404(Service, pk=pk) if pk else None
    form = ServiceForm(request.POST or None, instance=service)
    if request.method == "POST":
        if form.is_valid():
            practice.service_save(form=form, actor=actor_staff_request(request))
            messages.success(request, _("Tjänsten är sparad."))
            return redirect("booking_staff:services")
        messages.error(request, _("Rätta uppgifterna som är markerade."))
    return render(request, "booking/staff/service_form.html", {"form": form, "service": service})


def hours(request: HttpRequest) -> HttpResponse:
    settings_row = PracticeSettings.load()
    settings_form = PracticeSettingsForm(
        request.POST if "save_settings" in request.POST else None, instance=settings_row
    )
    formset = OpeningHoursFormSet(
        request.POST if "save_hours" in request.POST else None,
        queryset=OpeningHours.objects.all(),
    )
    if request.method == "POST":
        if "save_settings" in request.POST and settings_form.is_valid():
            practice.practice_settings_save(form=settings_form, actor=actor_staff_request(request))
            messages.success(request, _("Inställningarna är sparade."))
            return redirect("booking_staff:hours")
        if "save_hours" in request.POST and formset.is_valid():
            practice.opening_hours_save(formset=formset, actor=actor_staff_request(request))
            messages.success(request, _("Öppettiderna är sparade."))
            return redirect("booking_staff:hours")
        messages.error(request, _("Rätta uppgifterna som är markerade."))
    return render(
        request,
        "booking/staff/hours.html",
        {"settings_form": settings_form, "formset": formset},
    )


def days_off(request: HttpRequest) -> HttpResponse:
    form = DayOffForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            practice.day_off_add(form=form, actor=actor_staff_request(request))
            messages.success(request, _("Dagen är tillagd."))
            return redirect("booking_staff:days-off")
        messages.error(request, _("Rätta uppgifterna som är markerade."))
    today = timezone.localdate()
    return render(
        request,
        "booking/staff/days_off.html",
        {"form": form, "days": DayOff.objects.filter(day__gte=today)},
    )


@require_POST
def day_off_delete(request: HttpRequest, pk: int) -> HttpResponse:
    day = get_object_or_404(DayOff, pk=pk)
    practice.day_off_remove(day=day, actor=actor_staff_request(request))
    messages.success(request, _("Dagen är borttagen."))
    return redirect("booking_staff:days-off")
