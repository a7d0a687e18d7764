from __future__ import annotations

from django.http import HttpRequest

from consonance.privacy.closure import closure_in_force
from consonance.privacy.holidays import holiday_notice
from consonance.privacy.policy import get_policy
from consonance.web.models import SitePage


def site(request: HttpRequest) -> dict:
    policy = get_policy()
    return {
        "policy": policy,
        "site_name": policy.controller.name,
        # set_language translates this path into the chosen language (i18n_patterns).
        "alternate_path": request.path,
        # Called (one small query) only by templates that show the link.
        "has_about_page": SitePage.objects.filter(slug=SitePage.Slug.ABOUT).exists,
        # A callable: templates call it (once, under {% with %}) only where they show it.
        "holiday_notice": holiday_notice,
        "closure_notice": closure_in_force,  # a callable too: one query where it is shown
    }
