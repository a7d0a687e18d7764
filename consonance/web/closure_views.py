"""The coach's page for closing the practice (`/staff/stang/`): a date, then what will happen
(the same plan `consonance practice close --dry-run` prints), then her confirmation; while a
closure waits for its date, the page says so and offers to reopen."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from consonance.audit.services import actor_staff_request
from consonance.privacy.closure import ClosureInvalid, closure_in_force, closure_reopen
from consonance.web.closure import closure_carry, closure_plan
from consonance.web.forms import ClosureForm


def closure(request: HttpRequest) -> HttpResponse:
    in_force = closure_in_force()
    form = ClosureForm(request.POST or None)
    if request.method == "POST" and in_force is None:
        if not form.is_valid():
            messages.error(request, _("Rätta uppgifterna som är markerade."))
        elif "confirm" in request.POST:
            try:
                closure_carry(
                    closes_on=form.cleaned_data["closes_on"], actor=actor_staff_request(request)
                )
            except ClosureInvalid:
                messages.error(request, _("Praktiken kan inte stängas än; se nedan."))
            else:
                messages.success(request, _("Stängningen är beslutad. Besked har gått ut."))
            return redirect("staff-closure")
        else:
            plan = closure_plan(form.cleaned_data["closes_on"])
            return render(request, "web/staff_closure_confirm.html", {"form": form, "plan": plan})
    return render(request, "web/staff_closure.html", {"form": form, "closure": in_force})


@require_POST
def closure_undo(request: HttpRequest) -> HttpResponse:
    try:
        closure_reopen(actor=actor_staff_request(request))
    except ClosureInvalid:
        messages.error(request, _("Det finns ingen stängning att ångra."))
    else:
        messages.success(request, _("Praktiken är öppen igen: bokning och nyhetsbrev tar emot."))
    return redirect("staff-closure")
