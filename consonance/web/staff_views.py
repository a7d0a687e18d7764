"""Staff pages of the practice as a whole: holiday mode (read by every app through the privacy
core's holidays module), and the coach's clients: the client list and a client's card."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from consonance.audit.services import actor_staff_request, audit_append
from consonance.lib.text import search_text
from consonance.people.models import Person
from consonance.privacy.holidays import (
    HolidayInvalid,
    holiday_add,
    holiday_periods_ahead,
    holiday_remove,
)
from consonance.privacy.models import HolidayPeriod
from consonance.web.clients import client_card, clients_page
from consonance.web.forms import HolidayForm

_ERRORS = {
    "last_before_first": gettext_lazy("Sista dagen kan inte komma före den första."),
    "too_long": gettext_lazy("En semester kan vara högst tre månader."),
    "overlaps": gettext_lazy("Perioden överlappar en semester som redan är inlagd."),
}


def holiday(request: HttpRequest) -> HttpResponse:
    form = HolidayForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                holiday_add(
                    first_day=form.cleaned_data["first_day"],
                    last_day=form.cleaned_data["last_day"],
                    actor=actor_staff_request(request),
                    user_id=request.user.pk,
                )
            except HolidayInvalid as error:
                form.add_error(None, _ERRORS[str(error)])
            else:
                messages.success(request, _("Semestern är inlagd."))
                return redirect("web_staff:holiday")
        messages.error(request, _("Rätta uppgifterna som är markerade."))
    return render(
        request, "web/staff_holiday.html", {"form": form, "periods": holiday_periods_ahead()}
    )


@require_POST
def holiday_delete(request: HttpRequest, pk: int) -> HttpResponse:
    period = get_object_or_404(HolidayPeriod, pk=pk)
    holiday_remove(period=period, actor=actor_staff_request(request))
    messages.success(request, _("Semestern är borttagen."))
    return redirect("web_staff:holiday")


MAX_PAGE = 100_000


def _page_number(text: str | None) -> int:
    """The page asked for, 1 when it is no number, and never past what a database can offset."""
    try:
        return min(max(int(text or "1"), 1), MAX_PAGE)
    except ValueError:
        return 1


def clients(request: HttpRequest) -> HttpResponse:
    """Her clients, the next session first. A search is sent by POST, so that no name or address
    ends up in an address bar, a server log or the browser's history; its pages are POSTs too."""
    if request.method == "POST":
        query = search_text(request.POST.get("q", ""))
        page = _page_number(request.POST.get("sida"))
    else:
        query, page = "", _page_number(request.GET.get("sida"))
    found = clients_page(now=timezone.now(), query=query, page=page)
    return render(request, "web/staff_clients.html", {"found": found})


def client(request: HttpRequest, pk: int) -> HttpResponse:
    """Her card: contact details, then each app's section; every view is in the audit log."""
    # Her key and member account read with her: the card shows her name and address and
    # whether she is a member (one query, not three).
    person = get_object_or_404(Person.objects.select_related("key", "member"), pk=pk)
    now = timezone.now()
    card = client_card(person, now)
    audit_append(
        actor=actor_staff_request(request),
        action="client.card_read",
        subject_id=person.pk,
        detail={"sections": [section.anchor for section in card.sections]},
    )
    return render(request, "web/staff_client.html", {"card": card, "now": now})
