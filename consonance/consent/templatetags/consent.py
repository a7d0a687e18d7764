"""{% cookie_banner %} for the base template (P21): the banner, the blocked scripts and the
consent script, or nothing at all when the policy configures no non-necessary cookie."""

from __future__ import annotations

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from consonance.consent.cookies import cookie_state

register = template.Library()


@register.simple_tag(takes_context=True)
def cookie_banner(context: template.Context) -> SafeString:
    request = context.get("request")
    if request is None:
        return SafeString("")
    state = cookie_state(request)
    if not state.configured:
        return SafeString("")  # no banner and no script at all (P21)
    match = getattr(request, "resolver_match", None)
    return render_to_string(
        "consent/banner.html",
        {
            "state": state,
            "request": request,
            "csrf_token": context.get("csrf_token"),
            # The settings page itself offers every choice: no banner over it.
            "hide_banner": match is not None and match.view_name == "consent:cookies",
        },
    )
