from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from consonance.audit.selectors import audit_latest_verification
from consonance.web.overview import waiting_context


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html")


def staff_home(request: HttpRequest) -> HttpResponse:
    # The worker verifies the chain daily; re-hashing it here would grow with every event.
    return render(
        request,
        "web/staff_home.html",
        {"verification": audit_latest_verification(), **waiting_context()},
    )
