"""Every staff page and the admin require a password *and* a second factor (TOTP)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

PROTECTED_PREFIXES = ("/staff/", "/admin/")
OPEN_NAMES = ("staff-login", "staff-verify", "staff-enrol", "staff-logout")


class StaffSecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if path.startswith(PROTECTED_PREFIXES) and path not in {reverse(n) for n in OPEN_NAMES}:
            user = request.user
            if not (user.is_authenticated and user.is_staff):
                return _redirect("staff-login", path)
            if not user.is_verified():  # type: ignore[union-attr,attr-defined]  # set by OTPMiddleware
                has_device = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
                return _redirect("staff-verify" if has_device else "staff-enrol", path)
        return self.get_response(request)


def _redirect(name: str, next_path: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(f"{reverse(name)}?{urlencode({'next': next_path})}")
