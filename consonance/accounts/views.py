"""The member's account at /konto/ (/en/account/): sign-in without a password, her bookings,
orders, receipts, and private fields encrypted in her browser (P4, P11)."""

from __future__ import annotations

import json
from functools import wraps

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from consonance.accounts import services
from consonance.accounts.emails import signin_email
from consonance.accounts.forms import CodeForm, SigninForm
from consonance.accounts.models import PrivateVault
from consonance.accounts.receipts import person_documents
from consonance.accounts.signin import (
    pending_check,
    pending_set,
    session_member,
    session_signin,
    session_signout,
    signin_from_token,
    signin_token,
)
from consonance.audit.services import actor_person
from consonance.booking.selectors import person_bookings
from consonance.consent.selectors import consent_current
from consonance.consent.texts import NEWSLETTER
from consonance.lib.i18n import current_language
from consonance.lib.ratelimit import rate_limit_response, rate_limited
from consonance.lib.sealed import SealExpired
from consonance.lib.text import normalise_email
from consonance.payments.selectors import person_orders
from consonance.people.models import Person
from consonance.people.selectors import person_by_email
from consonance.people.services import person_get_or_create


def member_required(view):
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        person = session_member(request)
        if person is None:
            if request.headers.get("Accept", "").startswith("application/json"):
                return JsonResponse({"error": "signed out"}, status=403)
            return redirect("accounts:home")
        return view(request, person, *args, **kwargs)

    return never_cache(wrapper)


@never_cache
@require_http_methods(["GET", "POST"])
def home(request: HttpRequest) -> HttpResponse:
    person = session_member(request)
    if person is not None:
        return dashboard(request, person)
    form = SigninForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if rate_limited(request, "member-signin", address=form.cleaned_data["email"]):
            return rate_limit_response(request)
        data = form.cleaned_data
        email = normalise_email(data["email"])
        known = person_by_email(email)
        names = data["first_name"].strip(), data["last_name"].strip()
        token = signin_token(
            email=email, first_name=names[0], last_name=names[1], language=current_language()
        )
        if known is not None or all(names):
            signin_email(
                to=email,
                token=token,
                language=known.language if known else current_language(),
                new=known is None or not hasattr(known, "member"),
                person_id=known.pk if known else None,
            )
        # The same page whether or not we know the address (and whether a mail went out).
        pending_set(request, token)
        return redirect("accounts:code")
    return render(request, "accounts/signin.html", {"form": form})


def dashboard(request: HttpRequest, person: Person) -> HttpResponse:
    return render(
        request,
        "accounts/dashboard.html",
        {
            "person": person,
            "bookings": person_bookings(person.pk)[:50],
            "orders": person_orders(person.pk)[:50],
            "documents": person_documents(person.pk),
            "newsletter": consent_current(person, NEWSLETTER),
            "has_vault": PrivateVault.objects.filter(person=person).exists(),
        },
    )


def _signin(request: HttpRequest, token: str) -> HttpResponse:
    try:
        payload = signin_from_token(token)
    except SealExpired:
        payload = None
    if payload is None:
        return render(request, "accounts/link_invalid.html", status=410)
    email, first, last, language = payload
    person = person_by_email(email)
    if person is None:
        if not (first and last):
            return render(request, "accounts/link_invalid.html", status=410)
        person, _created = person_get_or_create(
            email=email, first_name=first, last_name=last, language=language, actor="system"
        )
    services.member_ensure(person=person, actor=actor_person(person.pk))
    session_signin(request, person)
    return redirect("accounts:home")


@never_cache
@require_http_methods(["GET", "POST"])
def code(request: HttpRequest) -> HttpResponse:
    form = CodeForm(request.POST or None)
    if request.method == "POST" and rate_limited(request, "member-code"):
        return rate_limit_response(request)
    if request.method == "POST" and form.is_valid():
        token = pending_check(request, form.cleaned_data["code"])
        if token is not None:
            return _signin(request, token)
        form.add_error("code", _("Koden stämmer inte, eller har gått ut. Be om en ny."))
    return render(request, "accounts/code.html", {"form": form})


@never_cache
@require_http_methods(["GET", "POST"])
def link(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "GET":  # mail scanners open links: act only on the button
        return render(request, "accounts/link.html")
    return _signin(request, token)


@require_POST
def signout(request: HttpRequest) -> HttpResponse:
    session_signout(request)
    return redirect("home")


@member_required
def private(request: HttpRequest, person: Person) -> HttpResponse:
    return render(request, "accounts/private.html", {"person": person})


@member_required
@require_http_methods(["GET", "POST"])
def private_data(request: HttpRequest, person: Person) -> HttpResponse:
    """The vault as JSON for vault.js: GET reads it, POST replaces it (ciphertext only)."""
    if request.method == "POST":
        try:
            data = services.vault_parse(json.loads(request.body or b"null"))
        except (ValueError, services.VaultInvalid) as error:
            return JsonResponse({"error": str(error)}, status=400)
        services.vault_store(person=person, data=data)
        return JsonResponse({"ok": True})
    vault = PrivateVault.objects.filter(person=person).first()
    if vault is None:
        return JsonResponse({"vault": None})
    return JsonResponse(
        {
            "vault": {
                "salt": vault.salt,
                "iterations": vault.iterations,
                "wrapped_key": vault.wrapped_key,
                "recovery_wrapped_key": vault.recovery_wrapped_key,
                "ciphertext": vault.ciphertext,
            }
        }
    )


@member_required
@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest, person: Person) -> HttpResponse:
    if request.method == "POST":
        services.account_delete(person=person, actor=actor_person(person.pk))
        session_signout(request)
        messages.success(request, _("Ditt konto är raderat."))
        return redirect("home")
    return render(request, "accounts/delete.html")
