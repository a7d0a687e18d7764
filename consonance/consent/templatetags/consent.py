"""{% cookie_banner %} and {% consent_scripts %} for the base template (P21)."""

from __future__ import annotations

from django import template

from consonance.consent.cookies import cookie_state

register = template.Library()


@register.inclusion_tag("consent/banner.html", takes_context=True)
def cookie_banner(context: template.Context) -> dict:
    request = context.get("request")
    state = cookie_state(request) if request is not None else None
    match = getattr(request, "resolver_match", None)
    on_settings_page = match is not None and match.view_name == "consent:cookies"
    return {
        "hide_banner": on_settings_page,  # the page itself offers every choice
        "state": state,
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }
