"""Cookie settings (P21): the banner's buttons post here; the page changes the choice any time."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from consonance.audit.services import SYSTEM
from consonance.consent import services
from consonance.consent.cookies import (
    cookie_state,
    new_visitor,
    purpose,
    set_choice_cookie,
)
from consonance.consent.texts import consent_text, optional_cookies
from consonance.lib.i18n import current_language

#: The date /.well-known/gpc.json names: when this site began honouring GPC.
GPC_SINCE = dt.date(2026, 11, 29)


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def _record_choices(visitor: str, changed: dict[str, bool], *, method: str) -> None:
    """Each changed cookie category into the ledger, with the exact text the visitor saw."""
    language = current_language()
    for category, accepted in changed.items():
        record = services.consent_give if accepted else services.consent_withdraw
        record(
            purpose=purpose(category),
            shown=consent_text(purpose(category), language),
            method=method,
            actor=SYSTEM,
            visitor=visitor,
        )


def cookie_settings(request: HttpRequest) -> HttpResponse:
    state = cookie_state(request)
    if request.method == "POST" and state.configured:
        choice = request.POST.get("choice", "save")
        wanted = {
            c: (choice == "accept")
            if choice in {"accept", "refuse"}
            else (f"c_{c}" in request.POST)
            for c in state.categories
        }
        visitor = state.visitor or new_visitor()
        _record_choices(
            visitor,
            {c: a for c, a in wanted.items() if state.choices.get(c) is not a},  # changed only
            method="banner" if request.POST.get("from") == "banner" else "settings",
        )
        response = redirect(_next_url(request) or request.path)
        set_choice_cookie(response, visitor, wanted)
        return response
    language = current_language()
    groups = [
        {
            "category": category,
            "accepted": state.allowed(category),
            "cookies": [
                {
                    "name": c.name,
                    "purpose": c.purpose.get(language),
                    "duration": c.duration.render(language),
                }
                for c in optional_cookies()
                if c.category == category
            ],
        }
        for category in state.categories
    ]
    return render(
        request,
        "consent/settings.html",
        {
            "state": state,
            "groups": groups,
            "language": language,
            "title": _("Cookieinställningar"),
        },
    )


@require_GET
@cache_control(max_age=86400, public=True)
def gpc_json(request: HttpRequest) -> HttpResponse:
    """The GPC support resource (https://privacycg.github.io/gpc-spec/): we honour the signal."""
    return JsonResponse({"gpc": True, "lastUpdate": GPC_SINCE.isoformat()})
