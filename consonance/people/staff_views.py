"""Staff sign-in: password first (throttled by django-axes), then a TOTP code (throttled by
django-otp). A staff member without an authenticator enrols one once, with a one-time link from
another staff member or the command line (people/enrolment.py), never with the password alone."""

from __future__ import annotations

import base64
import logging
from urllib.parse import urlencode

import segno
from django.contrib import auth
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from consonance.audit.services import actor_staff, actor_staff_request, audit_append
from consonance.lib.ratelimit import rate_limit_response, rate_limited
from consonance.people import enrolment
from consonance.people.forms import PasswordForm, TokenForm

log = logging.getLogger(__name__)


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/staff/"


@sensitive_post_parameters("password")
@never_cache
def login_view(request: HttpRequest) -> HttpResponse:
    form = PasswordForm(request.POST or None)
    if request.method == "POST" and rate_limited(request, "staff-login"):
        return rate_limit_response(request)
    if request.method == "POST" and form.is_valid():
        user = auth.authenticate(
            request, username=form.cleaned_data["username"], password=form.cleaned_data["password"]
        )
        if getattr(request, "axes_locked_out", False):
            log.warning("staff sign-in refused: too many failures")
            audit_append(actor="anonymous", action="staff.locked_out")
            return render(request, "people/locked_out.html", status=429)
        if user is not None and user.is_staff:
            auth.login(request, user)
            audit_append(actor=actor_staff(user.pk), action="staff.password_ok")
            has_device = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
            target = "staff-verify" if has_device else "staff-enrol"
            return redirect(
                f"/staff/{'verify' if has_device else 'enrol'}/?next={_next_url(request)}"
                if target
                else "/"
            )
        # Logged and audited without the user name or address tried (no personal data in logs);
        # django-axes keeps the attempts it needs for throttling in its own table.
        log.warning("staff sign-in failed: wrong user name or password")
        audit_append(actor="anonymous", action="staff.password_failed")
        form.add_error(None, _("Fel användarnamn eller lösenord."))
    return render(request, "people/login.html", {"form": form, "next": _next_url(request)})


def _signed_in_staff(request: HttpRequest):
    user = request.user
    return user if user.is_authenticated and user.is_staff else None


@never_cache
def verify_view(request: HttpRequest) -> HttpResponse:
    user = _signed_in_staff(request)
    if user is None:
        return redirect("staff-login")
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        return redirect("staff-enrol")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        allowed, _info = device.verify_is_allowed()
        if not allowed:
            log.warning("second factor throttled for staff user %s", user.pk)
            audit_append(actor=actor_staff(user.pk), action="staff.second_factor_throttled")
            form.add_error(None, _("För många felaktiga försök. Vänta en stund och försök igen."))
        elif device.verify_token(form.cleaned_data["otp_token"].strip()):
            otp_login(request, device)
            request.session.cycle_key()  # a new session key once both factors are proven
            audit_append(actor=actor_staff(user.pk), action="staff.signed_in")
            return redirect(_next_url(request))
        else:
            log.warning("second factor failed for staff user %s", user.pk)
            audit_append(actor=actor_staff(user.pk), action="staff.second_factor_failed")
            form.add_error(None, _("Koden stämmer inte. Försök igen."))
    return render(request, "people/verify.html", {"form": form, "next": _next_url(request)})


@never_cache
def enrol_link_view(request: HttpRequest, secret: str) -> HttpResponse:
    """The one-time link: remembered in the session (spent only when the code is confirmed, so a
    mail scanner's visit spends nothing), then the password, then the QR code."""
    link = enrolment.enrol_link_valid(secret)
    if link is None:
        return render(request, "people/enrol_link_invalid.html", status=410)
    request.session[enrolment.SESSION_KEY] = link.pk
    if _signed_in_staff(request) is None:
        return redirect(f"{reverse('staff-login')}?{urlencode({'next': reverse('staff-enrol')})}")
    return redirect("staff-enrol")


@never_cache
def enrol_view(request: HttpRequest) -> HttpResponse:
    user = _signed_in_staff(request)
    if user is None:
        return redirect("staff-login")
    if enrolment.has_authenticator(user):
        return redirect("staff-verify")
    link = enrolment.enrol_link_for(user, request.session.get(enrolment.SESSION_KEY))
    if link is None:
        # The password alone enrols nothing: whoever knows it would become the account.
        audit_append(actor=actor_staff(user.pk), action="staff.enrol_without_link")
        context = {"hours": enrolment.ENROL_LINK_HOURS}
        return render(request, "people/enrol_needs_link.html", context, status=403)
    device, _created = TOTPDevice.objects.get_or_create(
        user=user, confirmed=False, defaults={"name": "Authenticator"}
    )
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["otp_token"].strip()):
            return _enrolled(request, user, device, link)
        form.add_error(None, _("Koden stämmer inte. Kontrollera att klockan i telefonen går rätt."))
    qr_svg = segno.make(device.config_url, error="m").svg_inline(scale=5, dark="#1f2a44")
    secret = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "people/enrol.html",
        {
            "form": form,
            "next": _next_url(request),
            "qr_svg": qr_svg,
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        },
    )


def _enrolled(request: HttpRequest, user, device: TOTPDevice, link) -> HttpResponse:
    with transaction.atomic():
        if not enrolment.enrol_link_use(link):  # spent by a parallel request
            return redirect("staff-enrol")
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    otp_login(request, device)
    request.session.pop(enrolment.SESSION_KEY, None)
    request.session.cycle_key()
    audit_append(actor=actor_staff(user.pk), action="staff.second_factor_enrolled")
    return redirect(_next_url(request))


@never_cache
def accounts_view(request: HttpRequest) -> HttpResponse:
    """Staff accounts without an authenticator, each with a button that makes its link (shown
    once, here; the page is behind both factors)."""
    made: dict[str, str] = {}
    error = None
    if request.method == "POST":
        username = request.POST.get("username", "")
        try:
            made[username] = enrolment.enrol_link_create(
                username=username, actor=actor_staff_request(request)
            )
        except enrolment.EnrolLinkRefused:
            error = _("Kontot finns inte eller har redan en autentiseringsapp.")
    return render(
        request,
        "people/staff_accounts.html",
        {
            "rows": [
                (account, made.get(account.get_username()))
                for account in enrolment.staff_without_authenticator()
            ],
            "error": error,
            "hours": enrolment.ENROL_LINK_HOURS,
        },
    )


def logout_view(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        auth.logout(request)
    return redirect("/")
