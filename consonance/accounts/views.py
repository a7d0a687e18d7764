"""The member's account at /konto/ (/en/account/): sign-in without a password (django-allauth's
login by code, fitted in adapter.py), her bookings, orders, receipts, and private fields
encrypted in her browser (P4, P11)."""

from __future__ import annotations

from functools import wraps

from allauth.account.internal.flows.login_by_code import LoginCodeVerificationProcess
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from consonance.accounts import services
from consonance.accounts.forms import SigninForm
from consonance.accounts.members import Pending, pending_pop, pending_set, session_member
from consonance.accounts.models import PrivateVault
from consonance.accounts.receipts import person_documents
from consonance.audit.services import actor_person
from consonance.booking.selectors import person_bookings
from consonance.consent.selectors import consent_current
from consonance.consent.texts import NEWSLETTER
from consonance.lib.i18n import current_language
from consonance.lib.jsonlimits import BodyTooLarge, read_json, request_body
from consonance.lib.ratelimit import rate_limit_response, rate_limited
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
    person = session_member(request) or _signin_finish(request)
    if person is not None:
        return dashboard(request, person)
    form = SigninForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if rate_limited(request, "member-signin", address=form.cleaned_data["email"]):
            return rate_limit_response(request)
        return _signin_start(request, form.cleaned_data)
    return render(request, "accounts/signin.html", {"form": form})


def _signin_start(request: HttpRequest, data: dict) -> HttpResponse:
    """Mail a code (allauth's login by code) when the address is known, or new with a name.
    The same page follows in every case, so nobody learns whether an address is known."""
    if request.user.is_authenticated:
        logout(request)  # a staff session in this browser ends before a member signs in
    email = normalise_email(data["email"])
    known = person_by_email(email)
    names = data["first_name"].strip(), data["last_name"].strip()
    # The same work for every address (finding 4 of issue 21): a user made, a code made, one
    # mail job queued. For an address nobody may sign in with (unknown, and no name to create
    # an account with) the sign-in is nobody's (user 0): the job sends nothing, and even a
    # guessed code signs nobody in as a member (_signin_finish).
    user, member = services.member_login_user(person=known)
    nobody = known is None and not all(names)
    pending_set(
        request,
        Pending(
            user_id=0 if nobody else user.pk,
            email=email,
            first_name=names[0],
            last_name=names[1],
            language=known.language if known else current_language(),
            person_id=known.pk if known else None,
            new=not member,
        ),
    )
    LoginCodeVerificationProcess.initiate(request=request, user=user, email=email)
    return redirect("account_confirm_login_code")


def _signin_finish(request: HttpRequest) -> Person | None:
    """After allauth signed her in by the code: her account, created on the first sign-in."""
    if not request.user.is_authenticated or request.user.is_staff:
        return None
    pending = pending_pop(request)
    if pending is None or pending.user_id != request.user.pk:
        return None
    person = person_by_email(pending.email)
    if person is None:
        person, _created = person_get_or_create(
            email=pending.email,
            first_name=pending.first_name,
            last_name=pending.last_name,
            language=pending.language,
            actor="system",
        )
    services.member_ensure(person=person, user=request.user, actor=actor_person(person.pk))
    return person


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


@require_POST
def signout(request: HttpRequest) -> HttpResponse:
    if session_member(request) is not None:
        logout(request)
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
            data = services.vault_parse(read_json(request_body(request) or b"null"))
        except BodyTooLarge as error:
            return JsonResponse({"error": str(error)}, status=413)
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
        logout(request)
        messages.success(request, _("Ditt konto är raderat."))
        return redirect("home")
    return render(request, "accounts/delete.html")
