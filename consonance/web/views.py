from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from consonance.audit.services import audit_verify
from consonance.web.overview import waiting_context


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html")


def staff_home(request: HttpRequest) -> HttpResponse:
    count, broken = audit_verify()
    return render(
        request,
        "web/staff_home.html",
        {"audit_count": count, "audit_broken": broken, **waiting_context()},
    )
