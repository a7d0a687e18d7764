"""The coach's view of the outbox: how much is waiting, what failed and why, and a retry."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from consonance.audit.services import actor_staff_request
from consonance.lib.overview import OverviewQuery
from consonance.mail.checks import notices_to_ingested_mailbox
from consonance.mail.handlers import waiting_parked
from consonance.mail.models import OutboxMessage
from consonance.mail.outbox import mail_retry
from consonance.mail.selectors import (
    outbox_counts,
    outbox_failed,
    outbox_unknown,
    outbox_waiting,
)
from consonance.mail.sending import MAX_ATTEMPTS
from consonance.privacy.policy import get_policy


def _with_purpose(messages: Iterable[OutboxMessage]) -> list[OutboxMessage]:
    """Each message with `purpose_name`: why it is sent (P20), the policy's short label."""
    language = get_language() or "sv"
    names = {c.id: c.name.get(language) for c in get_policy().communication.values()}
    listed = list(messages)
    for message in listed:
        message.purpose_name = names.get(message.purpose, message.purpose or "–")  # type: ignore[attr-defined]
    return listed


def outbox(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "mail/staff/outbox.html",
        {
            "counts": outbox_counts(),
            "failed": _with_purpose(outbox_failed()),
            "unknown": _with_purpose(outbox_unknown()),
            "waiting": _with_purpose(outbox_waiting()),
            "max_attempts": MAX_ATTEMPTS,
            "parked": waiting_parked(OverviewQuery(now=timezone.now(), limit=200)),
            "notices_ingested": notices_to_ingested_mailbox(),
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
    return redirect("mail_staff:outbox")
