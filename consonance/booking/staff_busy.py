"""The coach's own calendars (booking/busy.py): she pastes a private ICS address, sees how each
read went in words, reads one again now, or removes it. Addresses are shown masked only."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from consonance.audit.services import actor_staff_request
from consonance.booking import busy
from consonance.booking.forms import BusyCalendarForm
from consonance.booking.models import BusyCalendar

ADDRESS_ERRORS = {
    "empty": gettext_lazy("Klistra in kalenderns adress."),
    "malformed": gettext_lazy("Det där ser inte ut som en webbadress. Klistra in hela adressen."),
    "scheme": gettext_lazy("Adressen ska börja med https://, http:// eller webcal://."),
    "too_many": gettext_lazy("Du kan ha högst tio kalendrar: ta bort en först."),
}


def read_error_text(calendar: BusyCalendar) -> str:
    """Why the last read failed, in words ("" when it worked)."""
    code, status = calendar.error, calendar.error_status
    texts = {
        "timeout": _("Kalendern svarade inte inom tio sekunder. Jag försöker igen om en stund."),
        "unreachable": _(
            "Kalenderns server gick inte att nå. Kontrollera adressen; jag försöker igen om en stund."
        ),
        "redirects": _("Adressen skickade vidare för många gånger. Kontrollera adressen."),
        "too_large": _("Kalendern är större än 5 MB och lästes inte."),
        "too_many": _("Kalendern har fler än 20 000 händelser i bokningsperioden och lästes inte."),
        "not_ics": _(
            "Adressen gav ingen kalenderfil. Använd kalenderns privata adress i iCal-format (.ics)."
        ),
        "unreadable": _("Adressen går inte att läsa med nuvarande huvudnyckel. Lägg in den igen."),
    }
    if code == "status":
        if status in (401, 403):
            return _(
                "Kalendern nekade åtkomst (svar %(status)s). Adressen kan ha ändrats: hämta den "
                "privata adressen igen och lägg in den på nytt."
            ) % {"status": status}
        if status in (404, 410):
            return _(
                "Kalendern finns inte på adressen (svar %(status)s). Kontrollera att du klistrat in "
                "hela adressen."
            ) % {"status": status}
        return _(
            "Kalenderns server svarade med ett fel (%(status)s). Jag försöker igen om en stund."
        ) % {"status": status}
    return str(texts.get(code, "")) if code else ""


def _read_message(request: HttpRequest, calendar_id: int) -> None:
    if busy.calendar_read(calendar_id=calendar_id):
        calendar = BusyCalendar.objects.get(pk=calendar_id)
        messages.success(
            request,
            _("Kalendern är läst: %(busy)s upptagna tider blockerar bokningar.")
            % {"busy": calendar.busy_count},
        )
    else:
        calendar = BusyCalendar.objects.get(pk=calendar_id)
        messages.error(request, read_error_text(calendar))


def calendars(request: HttpRequest) -> HttpResponse:
    form = BusyCalendarForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            calendar = busy.calendar_add(
                address=form.cleaned_data["address"],
                label=form.cleaned_data["label"],
                actor=actor_staff_request(request),
            )
        except busy.AddressInvalid as error:
            form.add_error("address", ADDRESS_ERRORS[str(error)])
        else:
            _read_message(request, calendar.pk)
            return redirect("booking_staff:busy")
    rows = [(c, read_error_text(c)) for c in BusyCalendar.objects.all()]
    return render(
        request,
        "booking/staff/busy.html",
        {"form": form, "calendars": rows},
        status=400 if form.errors else 200,
    )


@require_POST
def calendar_read(request: HttpRequest, pk: int) -> HttpResponse:
    calendar = get_object_or_404(BusyCalendar, pk=pk)
    _read_message(request, calendar.pk)
    return redirect("booking_staff:busy")


@require_POST
def calendar_remove(request: HttpRequest, pk: int) -> HttpResponse:
    calendar = get_object_or_404(BusyCalendar, pk=pk)
    busy.calendar_remove(calendar=calendar, actor=actor_staff_request(request))
    messages.success(request, _("Kalendern är borttagen; dess tider blockerar inget längre."))
    return redirect("booking_staff:busy")
