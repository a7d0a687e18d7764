"""The coach's view of the outbox: how much is waiting, what failed and why, and a retry."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from consonance.audit.services import actor_staff_request
from consonance.lib.overview import OverviewQuery
from consonance.mail.handlers import waiting_parked
from consonance.mail.outbox import mail_retry
from consonance.mail.selectors import (
    outbox_counts,
    outbox_failed,
    outbox_unknown,
    outbox_waiting,
)
from consonance.mail.tasks import MAX_ATTEMPTS


def outbox(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "mail/staff/outbox.html",
        {
            "counts": outbox_counts(),
            "failed": outbox_failed(),
            "unknown": outbox_unknown(),
            "waiting": outbox_waiting(),
            "max_attempts": MAX_ATTEMPTS,
            "parked": waiting_parked(OverviewQuery(now=timezone.now(), limit=200)),
        },
    )


@require_POST
def retry(request: HttpRequest, pk: int) -> HttpResponse:
    # A message whose delivery is unknown goes again only when the coach ticked that it may
    # arrive twice (the form's "confirm" box).
    confirm = request.POST.get("confirm") == "yes"
    if mail_retry(message_id=pk, actor=actor_staff_request(request), confirm_unknown=confirm):
        messages.success(request, _("Meddelandet skickas igen."))
    else:
        messages.error(
            request,
            _(
                "Meddelandet skickades inte igen. Kan det redan ha kommit fram måste du bekräfta "
                "att det får komma två gånger."
            ),
        )
    return redirect("mail-staff-outbox")
