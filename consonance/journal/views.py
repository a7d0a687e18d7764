"""The client's e-mail consultation page: reached by the signed link in her e-mails (never by
an address or a name in the URL); every view of it is in the journal's access log."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from consonance.audit.services import actor_person
from consonance.journal.consultations import can_write, consultation_from_token, message_receive
from consonance.journal.forms import MessageForm
from consonance.journal.selectors import consultation_messages_read, replies_given
from consonance.journal.services import JournalError


@never_cache
def consultation(request: HttpRequest, token: str) -> HttpResponse:
    found = consultation_from_token(token)
    if found is None:
        raise Http404
    actor = actor_person(found.person_id)
    writable = can_write(found)
    form = MessageForm(request.POST or None)
    if request.method == "POST":
        if not writable:
            messages.error(
                request, _("Konsultationen är avslutad; du kan inte skriva fler meddelanden här.")
            )
            return redirect(request.path)
        if form.is_valid():
            try:
                message_receive(
                    consultation=found,
                    body=form.cleaned_data["body"],
                    actor=actor,
                    source="web",
                    origin="site",
                )
            except JournalError:
                form.add_error("body", _("Meddelandet kunde inte sparas. Försök igen."))
            else:
                messages.success(request, _("Tack! Ditt meddelande är skickat till mig."))
                return redirect(request.path)
    thread = consultation_messages_read(found, actor=actor, origin="site")
    replies = replies_given(found)
    response = render(
        request,
        "journal/consultation.html",
        {
            "consultation": found,
            "thread": thread,
            "replies": replies,
            "left": max(found.exchanges - replies, 0),
            "writable": writable,
            "awaiting": found.awaiting_reply_since is not None,
            "form": form,
            "now": timezone.now(),
        },
    )
    # The address holds her token, so it must never reach another site: same-origin sends no
    # referrer elsewhere. Not no-referrer: with it the browser posts her message with
    # `Origin: null`, which CSRF protection refuses ("Formuläret gick ut"), in every browser.
    response["Referrer-Policy"] = "same-origin"
    return response
