from __future__ import annotations

from django.http import HttpRequest

from consonance.privacy.holidays import holiday_notice
from consonance.privacy.policy import get_policy


def site(request: HttpRequest) -> dict:
    policy = get_policy()
    return {
        "policy": policy,
        "site_name": policy.controller.name,
        # set_language translates this path into the chosen language (i18n_patterns).
        "alternate_path": request.path,
        # A callable: templates call it (once, under {% with %}) only where they show it.
        "holiday_notice": holiday_notice,
    }
