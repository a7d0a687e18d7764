"""The coach's journal (/staff/journal/): clients, the client card with notes and access log,
e-mail consultations with their reply deadlines, and the terms of each e-mail service.

Every page that shows note text writes a line in the access log, with the staff member and the
address the request came from."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from consonance.audit.services import actor_person, actor_staff_request, audit_append
from consonance.booking.models import Service
from consonance.journal import selectors, services
from consonance.journal.consultations import late_message_handled, reply_refusal, reply_send
from consonance.journal.forms import BodyForm, NoteForm, TermsForm
from consonance.journal.models import Consultation, ConsultationTerms, Note
from consonance.lib.ratelimit import client_ip
from consonance.lib.text import search_text
from consonance.people.models import Person
from consonance.people.selectors import identities_read, people_matching

# Why the reply form takes no more (consultations.reply_refusal), in words.
REFUSALS = {
    "cancelled": _lazy("Konsultationen är avbokad, så inget svar kan skickas."),
    "completed": _lazy(
        "Konsultationen är avslutad: alla svar är givna. Inget mer svar skickas härifrån; "
        "svara från din e-post eller erbjud en ny konsultation."
    ),
    "all replies given": _lazy(
        "Alla svar i konsultationen är redan givna. Inget mer svar skickas härifrån."
    ),
}


def _origin(request: HttpRequest) -> str:
    return client_ip(request)[:64]


def index(request: HttpRequest) -> HttpResponse:
    """Open consultations, her clients with notes, and a search (posted, so that no name or
    address reaches an address bar, a server log or the browser's history)."""
    query = search_text(request.POST.get("q", "")) if request.method == "POST" else ""
    if query:
        people = people_matching(query)
    else:  # their names are read with one query for all their keys
        people = identities_read(list(selectors.people_with_journal()[:100]))
    open_consultations = list(selectors.consultations_open())
    now = timezone.now()
    for c in open_consultations:
        c.reply_due = selectors.reply_due(c)  # type: ignore[attr-defined]
        c.overdue = c.reply_due is not None and c.reply_due < now  # type: ignore[attr-defined]
        c.replies = selectors.replies_given(c)  # type: ignore[attr-defined]
    email_services = list(Service.objects.filter(kind=Service.Kind.EMAIL))
    for s in email_services:
        s.terms_form = TermsForm(  # type: ignore[attr-defined]
            instance=ConsultationTerms.objects.filter(service=s).first()
            or ConsultationTerms(service=s)
        )
    return render(
        request,
        "journal/staff/index.html",
        {
            "people": people,
            "query": query,
            "open_consultations": open_consultations,
            "email_services": email_services,
        },
    )


@never_cache
def client_card(request: HttpRequest, person_id: int) -> HttpResponse:
    person = get_object_or_404(Person, pk=person_id)
    actor = actor_staff_request(request)
    form = NoteForm(request.POST or None, person=person)
    if request.method == "POST":
        if form.is_valid():
            services.note_create(
                person=person,
                body=form.cleaned_data["body"],
                actor=actor,
                booking=form.cleaned_data["booking"],
                origin=_origin(request),
            )
            messages.success(request, _("Anteckningen är sparad."))
            return redirect("journal_staff:client", person_id=person.pk)
        messages.error(request, _("Anteckningen sparades inte: rätta det som är markerat."))
    try:
        page = int(request.GET.get("sida", "1"))
    except ValueError:
        page = 1
    notes = selectors.person_notes_read(person, actor=actor, origin=_origin(request), page=page)
    log = list(selectors.person_access_log(person, limit=50))
    return render(
        request,
        "journal/staff/client.html",
        {
            "person": person,
            "notes": notes,
            "form": form,
            "log": log,
            "client_actor": actor_person(person.pk),
            "staff_names": selectors.staff_names({e.actor for e in log}),
            "consultations": Consultation.objects.filter(person=person).select_related(
                "booking__service"
            ),
        },
    )


@never_cache
def note_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit an unsigned note, or correct a signed one (a new version; the old one is kept)."""
    note = get_object_or_404(Note.objects.select_related("person"), pk=pk)
    actor = actor_staff_request(request)
    if note.superseded_at is not None:
        messages.error(request, _("Det finns en nyare version av anteckningen."))
        return redirect("journal_staff:client", person_id=note.person_id)
    form = BodyForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            body = form.cleaned_data["body"]
            try:
                if note.signed_at is None:
                    services.note_update(
                        note_id=note.pk, body=body, actor=actor, origin=_origin(request)
                    )
                else:
                    services.note_correct(
                        note_id=note.pk, body=body, actor=actor, origin=_origin(request)
                    )
            except services.JournalError:
                messages.error(request, _("Anteckningen har ändrats under tiden; försök igen."))
            else:
                messages.success(request, _("Anteckningen är sparad."))
            return redirect("journal_staff:client", person_id=note.person_id)
    else:
        text = selectors.note_text(note)
        services.access_record(
            person=note.person,
            actor=actor,
            action="read",
            note=note,
            what="note",
            origin=_origin(request),
        )
        form = BodyForm(initial={"body": text or ""})
    return render(request, "journal/staff/note.html", {"note": note, "form": form})


@require_POST
def note_sign(request: HttpRequest, pk: int) -> HttpResponse:
    note = get_object_or_404(Note, pk=pk)
    try:
        services.note_sign(
            note_id=note.pk, actor=actor_staff_request(request), origin=_origin(request)
        )
    except services.JournalError:
        messages.error(request, _("Bara den senaste versionen kan signeras."))
    else:
        messages.success(request, _("Anteckningen är signerad och låst."))
    return redirect("journal_staff:client", person_id=note.person_id)


@never_cache
def consultation(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(
        Consultation.objects.select_related("person", "booking__service"), pk=pk
    )
    actor = actor_staff_request(request)
    form = BodyForm(request.POST or None)
    refusal = reply_refusal(found)
    if request.method == "POST":
        if refusal is not None:
            messages.error(request, str(REFUSALS[refusal]))
            return redirect("journal_staff:consultation", pk=found.pk)
        if form.is_valid():
            try:
                reply_send(
                    consultation=found,
                    body=form.cleaned_data["body"],
                    actor=actor,
                    origin=_origin(request),
                )
            except services.JournalError as error:
                # Completed meanwhile (another tab's last reply): nothing sent, said in words.
                why = REFUSALS.get(str(error))
                messages.error(request, str(why) if why else _("Svaret sparades inte."))
            else:
                messages.success(
                    request, _("Svaret är sparat; klienten får ett meddelande med en länk.")
                )
            return redirect("journal_staff:consultation", pk=found.pk)
    thread = selectors.consultation_messages_read(found, actor=actor, origin=_origin(request))
    return render(
        request,
        "journal/staff/consultation.html",
        {
            "consultation": found,
            "thread": thread,
            "form": form,
            "replies": selectors.replies_given(found),
            "reply_due": selectors.reply_due(found),
            "now": timezone.now(),
            "refusal": REFUSALS[refusal] if refusal else "",
            "late": found.state == Consultation.State.COMPLETED and found.awaiting_reply_since,
        },
    )


@require_POST
def late_handled(request: HttpRequest, pk: int) -> HttpResponse:
    """She has seen to a message that came after the consultation ended."""
    found = get_object_or_404(Consultation, pk=pk)
    if late_message_handled(consultation=found, actor=actor_staff_request(request)):
        messages.success(request, _("Meddelandet är markerat som hanterat."))
    return redirect("journal_staff:consultation", pk=found.pk)


@require_POST
def terms(request: HttpRequest, service_id: int) -> HttpResponse:
    service = get_object_or_404(Service, pk=service_id, kind=Service.Kind.EMAIL)
    instance = ConsultationTerms.objects.filter(service=service).first() or ConsultationTerms(
        service=service
    )
    form = TermsForm(request.POST, instance=instance)
    if form.is_valid():
        saved = form.save()
        audit_append(
            actor=actor_staff_request(request),
            action="journal.terms_saved",
            detail={"service": service.pk, "exchanges": saved.exchanges, "days": saved.days},
        )
        messages.success(request, _("Villkoren är sparade."))
    else:
        messages.error(
            request, _("Villkoren sparades inte: ange antal svar (1–50) och dagar (1–365).")
        )
    return redirect("journal_staff:index")
