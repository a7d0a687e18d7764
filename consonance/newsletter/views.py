"""Public newsletter pages: sign-up, double opt-in, unsubscribe (P1, P9, P12).

Links in e-mails only *show* a page; the change happens on the button's POST, because mail
scanners open every link. The unsubscribe URL also answers RFC 8058 one-click POSTs (no session,
no CSRF token: the signed token in the URL is the authority, and it can only unsubscribe).
"""

from __future__ import annotations

import logging
import time

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from consonance.audit.services import actor_person
from consonance.consent.models import ConsentText
from consonance.consent.services import consent_text_store
from consonance.consent.texts import NEWSLETTER, ShownText, consent_text
from consonance.lib.i18n import current_language
from consonance.lib.ratelimit import rate_limit_response, rate_limited
from consonance.lib.text import normalise_email
from consonance.newsletter.forms import SignupForm
from consonance.newsletter.selectors import newsletter_stopped_at
from consonance.newsletter.services import (
    SubscriptionRefused,
    person_for_signup,
    subscription_create,
    subscription_unsubscribe,
)
from consonance.newsletter.tasks import signup_confirm_later
from consonance.newsletter.tokens import (
    Signup,
    TokenExpired,
    person_id_from_unsubscribe,
    signup_from_token,
)
from consonance.people.models import Person
from consonance.privacy.closure import closure_in_force

log = logging.getLogger("consonance.newsletter")


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if (closure := closure_in_force()) is not None:
        return render(request, "privacy/practice_closed.html", {"closure": closure}, status=410)
    if newsletter_stopped_at() is not None:  # a sign-up sent anyway is dropped, not queued
        return render(request, "newsletter/closed.html")
    language = current_language()
    shown = consent_text(NEWSLETTER, language)
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if rate_limited(request, "newsletter-signup", address=form.cleaned_data["email"]):
            return rate_limit_response(request)
        consent_text_store(shown)  # the exact wording she saw, for the ledger at confirmation
        data = form.cleaned_data
        signup_confirm_later(
            Signup(
                email=normalise_email(data["email"]),
                first_name=data["first_name"].strip(),
                last_name=data["last_name"].strip(),
                language=language,
                text_hash=shown.text_hash,
                issued_at=time.time(),
            )
        )
        # The same answer, and the same work, whether or not the address is known or suppressed:
        # the mail is a job (tasks.py).
        return render(request, "newsletter/sent.html")
    return render(request, "newsletter/signup.html", {"form": form, "consent_text": shown.text})


def _invalid(request: HttpRequest, *, expired: bool = False) -> HttpResponse:
    return render(
        request,
        "newsletter/link_invalid.html",
        {"expired": expired},
        status=410 if expired else 404,
    )


@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    try:
        signup_data = signup_from_token(token)
    except TokenExpired:
        return _invalid(request, expired=True)
    text = (
        ConsentText.objects.filter(text_hash=signup_data.text_hash).first() if signup_data else None
    )
    if signup_data is None or text is None:
        return _invalid(request)
    if newsletter_stopped_at() is not None:  # a link mailed before the stop subscribes no one
        return render(request, "newsletter/closed.html")
    if request.method == "GET":
        return render(request, "newsletter/confirm.html", {"first_name": signup_data.first_name})
    person = person_for_signup(
        email=signup_data.email,
        first_name=signup_data.first_name,
        last_name=signup_data.last_name,
        language=signup_data.language,
    )
    shown = ShownText(text.purpose, text.language, text.text, text.version)
    try:
        subscription_create(
            person=person,
            consent_given_at=timezone.now(),
            actor=actor_person(person.pk),
            confirmed=True,
            shown=shown,
            method="double_opt_in",
        )
    except SubscriptionRefused:
        log.info("newsletter confirmation for person %s refused", person.pk)
        return render(request, "newsletter/refused.html", status=409)
    return render(request, "newsletter/confirmed.html")


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    person_id = person_id_from_unsubscribe(token)
    if person_id is None:
        return _invalid(request)
    if request.method == "GET":
        return render(request, "newsletter/unsubscribe.html")
    one_click = request.POST.get("List-Unsubscribe") == "One-Click"
    person = Person.objects.filter(pk=person_id).first()
    if person is not None:
        subscription_unsubscribe(
            person=person,
            actor=actor_person(person.pk),
            method="one_click" if one_click else "unsubscribe_link",
        )
    if one_click:  # RFC 8058: a plain 200, no page, no cookie, no further step
        return HttpResponse(_("Du är avregistrerad."), content_type="text/plain; charset=utf-8")
    return render(request, "newsletter/unsubscribed.html")
