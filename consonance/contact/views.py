"""The public contact form (P17, P31): /kontakt/ and /en/contact/."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from consonance.contact import protection, tasks
from consonance.contact.forms import ContactForm
from consonance.lib import ratelimit
from consonance.lib.i18n import current_language
from consonance.privacy.holidays import deadline_due

log = logging.getLogger("consonance.contact")
STALE = gettext_lazy("Sidan hann bli för gammal. Din text finns kvar: skicka igen.")


def _page(request: HttpRequest, form: ContactForm, *, status: int = 200) -> HttpResponse:
    return render(
        request,
        "contact/form.html",
        {
            "form": form,
            "challenge": protection.challenge_json(),
            "reply_by": deadline_due("message-handling", timezone.now()),
        },
        status=status,
    )


def _again(request: HttpRequest, form: ContactForm, error: str, *, status: int = 200):
    form.add_error(None, error)
    return _page(request, form, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def contact(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _page(request, ContactForm(initial={"token": protection.form_token()}))
    data = request.POST.copy()
    form = ContactForm(data)
    if data.get("website", "").strip():
        # A bot filled in the honeypot: it is told what a person is told, and nothing is kept.
        log.info("contact form: honeypot filled, nothing stored")
        return redirect("contact-thanks")
    token = protection.check_form_token(data.get("token", ""))
    if token.reason in ("expired", "invalid", "spent"):
        data["token"] = protection.form_token()
    if not form.is_valid():
        return _page(request, form)
    if token.reason == "too_fast":
        log.info("contact form: sent too fast, asked again")
        return _again(
            request, form, _("Det gick lite för fort. Vänta några sekunder och skicka igen.")
        )
    if not token.ok:
        return _again(request, form, str(STALE))
    if not protection.challenge_spend(form.cleaned_data["altcha"]):
        log.info("contact form: no valid proof of work")
        return _again(
            request,
            form,
            _(
                "Kontrollen mot skräppost hann inte bli klar. Vänta tills det står "
                "”Klar att skicka” och skicka igen."
            ),
        )
    ip = ratelimit.client_ip(request)
    email = form.cleaned_data["email"]
    if protection.rate_limited(ip=ip, email=email):
        log.info("contact form: rate limit reached")
        return _again(
            request,
            form,
            _(
                "Du har skickat flera meddelanden på kort tid. Vänta en stund och försök igen, "
                "eller skriv direkt till min e-post."
            ),
            status=429,
        )
    if not protection.form_token_spend(token):  # the same page sent twice at once
        return _again(request, form, str(STALE))
    protection.attempt_record(ip=ip, email=email)
    # Filed by a job, whoever the sender is (tasks.py): the same work and time for every address.
    tasks.message_receive_later(
        email=email,
        name=form.cleaned_data["name"],
        body=form.cleaned_data["message"],
        language=current_language(),
    )
    return redirect("contact-thanks")


def thanks(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "contact/thanks.html",
        {"reply_by": deadline_due("message-handling", timezone.now())},
    )
