"""The coach's view of rights requests (/staff/rights/): open requests with their deadlines,
journal requests to carry out, restrictions in force and erasure receipts."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from consonance.audit.services import actor_staff_request
from consonance.lib.i18n import current_language
from consonance.rights import services
from consonance.rights.erasure import receipt_context
from consonance.rights.forms import RequestHandleForm
from consonance.rights.models import ErasureReceipt, Request, Restriction
from consonance.rights.selectors import receipts_recent, requests_open
from consonance.rights.tasks import REMIND_WITHIN


def index(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    open_requests = list(requests_open().order_by("due_at", "pk"))
    for r in open_requests:
        r.soon = not r.overdue and r.due_at <= now + REMIND_WITHIN  # type: ignore[attr-defined]
    return render(
        request,
        "rights/staff_index.html",
        {
            "open_requests": open_requests,
            "overdue": sum(1 for r in open_requests if r.overdue),
            "done_requests": Request.objects.exclude(state=Request.State.OPEN).order_by(
                "-handled_at", "-pk"
            )[:20],
            "restrictions": Restriction.objects.filter(lifted_at__isnull=True).select_related(
                "person"
            ),
            "receipts": receipts_recent(),
            "form": RequestHandleForm(),
        },
    )


@require_POST
def request_handle(request: HttpRequest, pk: int) -> HttpResponse:
    obj = get_object_or_404(Request, pk=pk, state=Request.State.OPEN)
    form = RequestHandleForm(request.POST)
    if form.is_valid():
        services.request_complete(
            request_id=obj.pk,
            actor=actor_staff_request(request),
            state=form.cleaned_data["state"],
            note=form.cleaned_data["note"],
        )
        messages.success(request, _("Begäran #%(id)s är markerad som hanterad.") % {"id": obj.pk})
    else:
        messages.error(request, _("Kunde inte spara: kontrollera fälten."))
    return redirect("rights_staff:index")


@require_POST
def journal_erase(request: HttpRequest, pk: int) -> HttpResponse:
    obj = get_object_or_404(
        Request, pk=pk, state=Request.State.OPEN, kind=Request.Kind.JOURNAL_DELETION
    )
    rows = services.journal_notes_erase(request_id=obj.pk, actor=actor_staff_request(request))
    messages.success(
        request,
        _("%(rows)s journalanteckningar raderade; begäran #%(id)s är klar.")
        % {"rows": rows, "id": obj.pk},
    )
    return redirect("rights_staff:index")


def receipt(request: HttpRequest, pk: int) -> HttpResponse:
    obj = get_object_or_404(ErasureReceipt, pk=pk)
    return render(request, "rights/staff_receipt.html", receipt_context(obj, current_language()))
