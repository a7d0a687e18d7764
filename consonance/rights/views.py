"""The privacy center "Mina uppgifter" (P24-P29): identity check by e-mailed link, then
self-service for the person the link was made for. Views are thin; the person comes from the
session set by the link, never from the URL."""

from __future__ import annotations

import logging
import time
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from consonance.audit.services import actor_person
from consonance.lib.i18n import current_language
from consonance.lib.ratelimit import rate_limit_response, rate_limited
from consonance.lib.text import normalise_email
from consonance.lib.time import STOCKHOLM
from consonance.people.models import Person
from consonance.privacy.policy import get_policy
from consonance.rights import services, sessions, tasks
from consonance.rights.data import person_holdings
from consonance.rights.erasure import ErasureFailed, receipt_context
from consonance.rights.export import export_zip
from consonance.rights.forms import (
    EmailForm,
    EraseForm,
    JournalRequestForm,
    RectifyForm,
    RestrictForm,
    SigninForm,
)
from consonance.rights.models import ErasureReceipt, Request
from consonance.rights.recipients import person_recipients
from consonance.rights.selectors import (
    journal_notes_for,
    journal_notes_released,
    person_active_restriction,
    person_consents,
    person_has_objected,
    person_requests,
)
from consonance.rights.tokens import SESSION_MAX_AGE, person_state

log = logging.getLogger(__name__)
SESSION_KEY = "rights_subject"


def session_person(request: HttpRequest) -> Person | None:
    """The person this browser proved to be, while the short session lasts and her state holds."""
    data = request.session.get(SESSION_KEY)
    if not isinstance(data, dict):
        return None
    if data.get("until", 0) < time.time():
        request.session.pop(SESSION_KEY, None)
        return None
    pk = data.get("p")
    person = Person.objects.filter(pk=pk).first() if pk is not None else None
    if person is None or person_state(person) != data.get("s"):
        request.session.pop(SESSION_KEY, None)
        return None
    return person


def _remember(request: HttpRequest, person: Person, until: float | None = None) -> None:
    request.session[SESSION_KEY] = {
        "p": person.pk,
        "s": person_state(person),
        "until": until or time.time() + SESSION_MAX_AGE,
    }


def person_required(view):
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        person = session_person(request)
        if person is None:
            messages.info(request, _("Bekräfta din e-postadress för att fortsätta."))
            return redirect("rights:start")
        request.rights_person = person  # type: ignore[attr-defined]
        return view(request, person, *args, **kwargs)

    return wrapper


def start(request: HttpRequest) -> HttpResponse:
    """Ask for the address; answer the same whether or not it is known (and mail only if it is)."""
    form = EmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if rate_limited(request, "rights-link", address=form.cleaned_data["email"]):
            return rate_limit_response(request)
        # Only a job queued, whoever the address is (rights/tasks.py): the same work and time.
        tasks.rights_link_later(email=form.cleaned_data["email"], language=current_language())
        return render(request, "rights/sent.html", {"minutes": 30})
    return render(request, "rights/start.html", {"form": form})


@csrf_protect
def signin(request: HttpRequest) -> HttpResponse:
    """The e-mailed link is /mina-uppgifter/in/#token: the fragment never reaches the server (nor
    its logs). This page's script posts it here; without script the visitor pastes it."""
    if request.method != "POST":
        return render(request, "rights/signin.html", {"form": SigninForm()})
    form = SigninForm(request.POST)
    person = services.rights_link_use(form.data.get("token", "")) if form.is_valid() else None
    if person is None:
        return render(request, "rights/link_invalid.html", status=400)
    request.session.cycle_key()
    _remember(request, person)
    return redirect("rights:overview")


@require_POST
def signout(request: HttpRequest) -> HttpResponse:
    request.session.pop(SESSION_KEY, None)
    return redirect("home")


@person_required
def overview(request: HttpRequest, person: Person) -> HttpResponse:
    language = current_language()
    categories, _other = person_holdings(person, language=language, with_records=False)
    newsletter = person_consents(person).get("newsletter")
    released = journal_notes_released(person.pk)
    notes = (
        journal_notes_for(person, actor=actor_person(person.pk), purpose="view") if released else []
    )
    return render(
        request,
        "rights/overview.html",
        {
            "journal_released": released,
            "journal_notes": notes,
            "person": person,
            "categories": categories,
            "recipients": person_recipients(person, language=language),
            "newsletter": newsletter,
            "newsletter_active": newsletter is not None,
            "restriction": person_active_restriction(person.pk),
            "objected": person_has_objected(person.pk),
            "requests": person_requests(person.pk)[:20],
            "now": timezone.now(),
        },
    )


@person_required
def download(request: HttpRequest, person: Person) -> HttpResponse:
    services.request_record(
        person=person,
        kind=Request.Kind.PORTABILITY,
        actor=actor_person(person.pk),
        note="självservice",
    )
    data = export_zip(person, language=current_language())
    response = HttpResponse(data, content_type="application/zip")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="mina-uppgifter-{stamp}.zip"'
    response["Cache-Control"] = "no-store"
    return response


@person_required
def rectify(request: HttpRequest, person: Person) -> HttpResponse:
    initial = {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "email": person.email,
    }
    form = RectifyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        # A new address gets a mail: limited per client and per address like the other forms,
        # so nobody can flood another's mailbox from here.
        new_email = normalise_email(form.cleaned_data["email"])
        if new_email != person.email and rate_limited(request, "rights-rectify", address=new_email):
            return rate_limit_response(request)
        until = request.session.get(SESSION_KEY, {}).get("until")
        pending = services.person_rectify(
            person=person,
            actor=actor_person(person.pk),
            language=current_language(),
            **form.cleaned_data,
        )
        if pending:
            tasks.address_mail_later(
                person_id=person.pk,
                new_email=new_email,
                language=current_language(),
            )
        person.refresh_from_db()
        _remember(request, person, until)
        # The same answer whether or not the new address is someone else's (finding 3): what
        # differs goes by e-mail to that address.
        messages.success(request, _("Dina uppgifter är rättade."))
        if pending:
            messages.info(
                request,
                _(
                    "Jag har skickat en länk till den nya adressen. Adressen byts när du följer den."
                ),
            )
        return redirect("rights:overview")
    return render(request, "rights/rectify.html", {"form": form, "person": person})


@require_http_methods(["GET", "POST"])
def address_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The link mailed to a new address: a button (never a change on GET), then the change."""
    if request.method == "POST":
        try:
            services.person_address_confirm(token=token)
        except services.RightsError:
            return render(request, "rights/link_invalid.html", status=400)
        request.session.pop(SESSION_KEY, None)
        return render(request, "rights/address_confirm.html", {"done": True})
    return render(request, "rights/address_confirm.html", {"done": False})


@require_POST
@person_required
def consent_withdraw(request: HttpRequest, person: Person) -> HttpResponse:
    if services.consent_withdraw(
        person=person, consent="newsletter", actor=actor_person(person.pk)
    ):
        messages.success(request, _("Du får inte längre nyhetsbrevet."))
    return redirect("rights:overview")


@person_required
def restrict(request: HttpRequest, person: Person) -> HttpResponse:
    held = sessions.sessions_of(person)
    form = RestrictForm(request.POST or None, sessions=held)
    if request.method == "POST" and form.is_valid():
        actor = actor_person(person.pk)
        with transaction.atomic():
            cancelled = sessions.restrict_with_sessions(
                person=person, choice=form.cleaned_data.get("sessions", ""), actor=actor
            )
            services.restriction_start(
                person=person, reason=form.cleaned_data["reason"], actor=actor
            )
        messages.success(request, _("Behandlingen av dina uppgifter är begränsad."))
        for line in cancelled:
            messages.info(request, line)
        return redirect("rights:overview")
    return render(
        request,
        "rights/restrict.html",
        {"form": form, "restriction": person_active_restriction(person.pk), "sessions": held},
    )


@require_POST
@person_required
def restrict_lift(request: HttpRequest, person: Person) -> HttpResponse:
    if services.restriction_lift(person=person, actor=actor_person(person.pk)):
        messages.success(request, _("Begränsningen är hävd."))
    return redirect("rights:overview")


@require_POST
@person_required
def object_marketing(request: HttpRequest, person: Person) -> HttpResponse:
    services.objection_record(person=person, actor=actor_person(person.pk))
    messages.success(
        request,
        _(
            "Din invändning är registrerad. Du får inga utskick och kan inte prenumerera igen utan ett nytt samtycke."
        ),
    )
    return redirect("rights:overview")


@person_required
def journal(request: HttpRequest, person: Person) -> HttpResponse:
    form = JournalRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        req = services.request_record(
            person=person,
            kind=form.cleaned_data["kind"],
            actor=actor_person(person.pk),
            done=False,
        )
        messages.success(
            request,
            _("Din begäran är mottagen och hanteras senast %(date)s.")
            % {"date": formats.date_format(timezone.localtime(req.due_at), "j F Y")},
        )
        return redirect("rights:overview")
    return render(request, "rights/journal.html", {"form": form})


def _deferred_message(held: list, choice: str | None) -> str:
    if held and choice == "keep":
        last = max(s.ends_at for s in held).astimezone(STOCKHOLM)
        return _(
            "Dina samtal står kvar. Jag raderar dina uppgifter när det sista har ägt rum "
            "(%(date)s), och du får ett kvitto via e-post."
        ) % {"date": formats.date_format(last, "j F Y")}
    return _(
        "Jag raderar dina uppgifter så snart återbetalningen till dig är gjord, och du får ett "
        "kvitto via e-post."
    )


@person_required
def erase(request: HttpRequest, person: Person) -> HttpResponse:
    held = sessions.sessions_of(person)
    form = EraseForm(request.POST or None, sessions=held)
    if request.method == "POST" and form.is_valid():
        try:
            done = sessions.erase_with_sessions(
                person=person,
                choice=form.cleaned_data.get("sessions", ""),
                actor=actor_person(person.pk),
            )
        except ErasureFailed as failed:
            log.error("erasure of person %s rolled back: %s", person.pk, failed)
            return render(request, "rights/erase_failed.html", status=500)
        if isinstance(done, Request):  # deferred: sessions kept, or money on its way back
            messages.success(request, _deferred_message(held, form.cleaned_data.get("sessions")))
            return redirect("rights:overview")
        request.session.flush()
        return redirect("rights:receipt", token=done.token)
    language = current_language()
    categories, _other = person_holdings(person, language=language, with_records=False)
    context = {
        "form": form,
        "categories": categories,
        "sessions": held,
        "unpaid": sessions.unpaid_of(person),
        "backup_retention": get_policy().backup_retention.render(language),
        "key_backup_days": settings.KEY_BACKUP_DAYS,  # backup_keys.py
    }
    return render(request, "rights/erase.html", context)


def receipt(request: HttpRequest, token: str) -> HttpResponse:
    obj = get_object_or_404(ErasureReceipt, token=token)
    return render(request, "rights/receipt.html", receipt_context(obj, current_language()))
