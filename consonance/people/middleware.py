"""Every staff page and the admin require a password *and* a second factor (TOTP)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

PROTECTED_PREFIXES = ("/staff/", "/admin/")
# The sign-in's own pages; the enrolment link's page (it carries its secret) among them.
OPEN_NAMES = ("staff:login", "staff:verify", "staff:enrol", "staff:enrol-link", "staff:logout")


class StaffSecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if path.startswith(PROTECTED_PREFIXES) and not _is_open(path):
            user = request.user
            if not (user.is_authenticated and user.is_staff):
                return _redirect("staff:login", path)
            if not user.is_verified():  # type: ignore[union-attr,attr-defined]  # set by OTPMiddleware
                has_device = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
                return _redirect("staff:verify" if has_device else "staff:enrol", path)
        return self.get_response(request)


def _is_open(path: str) -> bool:
    try:
        return resolve(path).view_name in OPEN_NAMES
    except Resolver404:
        return False


def _redirect(name: str, next_path: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(f"{reverse(name)}?{urlencode({'next': next_path})}")
