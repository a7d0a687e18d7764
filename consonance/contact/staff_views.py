"""The coach's contact pages (/staff/contact/): the open conversations against their deadline,
one conversation to read and answer, moving what must be kept to the journal (P17)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from consonance.audit.services import actor_staff_request, audit_append
from consonance.contact import selectors, services
from consonance.contact.forms import HandledForm, JournalForm, ReplyForm
from consonance.contact.models import Message
from consonance.journal.services import JournalError
from consonance.people.models import Person
from consonance.privacy.holidays import deadline_due


def index(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    return render(
        request,
        "contact/staff/index.html",
        {
            "conversations": selectors.conversations_open(now=now),
            "now": now,
        },
    )


def conversation(request: HttpRequest, person_id: int) -> HttpResponse:
    person = get_object_or_404(Person, pk=person_id)
    items = selectors.conversation_messages(person)
    if not items:
        messages.info(request, _("Det finns inga obesvarade meddelanden från den personen."))
        return redirect("contact_staff:index")
    audit_append(
        actor=actor_staff_request(request),
        action="contact.read",
        subject_id=person.pk,
        category="messages",
        detail={"messages": len(items)},
    )
    upto = max(item.message.pk for item in items)
    return render(
        request,
        "contact/staff/conversation.html",
        {
            "person": person,
            "registered_name": f"{person.first_name} {person.last_name}".strip(),
            "due_at": deadline_due("message-handling", items[0].message.received_at),
            "reply_form": ReplyForm(initial={"upto": upto}),
            "handled_form": HandledForm(initial={"upto": upto}),
            "entries": [
                (
                    item,
                    JournalForm(initial={"text": item.body}, prefix=str(item.message.pk))
                    if item.readable
                    else None,
                )
                for item in items
            ],
            "now": timezone.now(),
        },
    )


@require_POST
def reply(request: HttpRequest, person_id: int) -> HttpResponse:
    person = get_object_or_404(Person, pk=person_id)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Skriv ett svar innan du skickar."))
        return redirect("contact_staff:conversation", person_id=person.pk)
    try:
        sent = services.conversation_reply(
            person=person,
            text=form.cleaned_data["text"],
            upto=form.cleaned_data["upto"],
            actor=actor_staff_request(request),
        )
    except services.ReplyNotSent:
        messages.error(
            request,
            _(
                "Adressen får ingen e-post från webbplatsen (den är spärrad, till exempel efter "
                "en radering). Svaret skickades inte och samtalet finns kvar."
            ),
        )
        return redirect("contact_staff:conversation", person_id=person.pk)
    if sent:
        messages.success(request, _("Svaret är skickat och samtalet raderat."))
    else:
        messages.info(request, _("Samtalet var redan besvarat eller raderat; inget skickades."))
    return redirect("contact_staff:index")


@require_POST
def handled(request: HttpRequest, person_id: int) -> HttpResponse:
    person = get_object_or_404(Person, pk=person_id)
    form = HandledForm(request.POST)
    if form.is_valid():
        services.conversation_delete(
            person=person, upto=form.cleaned_data["upto"], actor=actor_staff_request(request)
        )
        messages.success(request, _("Samtalet är markerat som hanterat och raderat."))
    return redirect("contact_staff:index")


@require_POST
def to_journal(request: HttpRequest, message_id: int) -> HttpResponse:
    message = get_object_or_404(Message, pk=message_id, replied_at__isnull=True)
    form = JournalForm(request.POST, prefix=str(message.pk))
    if form.is_valid():
        try:
            services.message_to_journal(
                message=message, text=form.cleaned_data["text"], actor=actor_staff_request(request)
            )
        except JournalError:
            messages.error(request, _("Anteckningen kunde inte sparas: den är tom eller för lång."))
        else:
            messages.success(request, _("Det är sparat i journalen."))
    else:
        messages.error(request, _("Skriv det som ska sparas i journalen."))
    return redirect("contact_staff:conversation", person_id=message.person_id)
