"""The rights app's answers to hooks declared below it, registered in RightsConfig.ready()."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from consonance.lib import overview
from consonance.rights.selectors import requests_open


def waiting_requests(query: overview.OverviewQuery) -> list[overview.Waiting]:
    """Open rights requests, with their legal deadline (a first name at most)."""
    url = reverse("rights_staff:index")
    return [
        overview.Waiting(
            group=_("Begäran att hantera"),
            text=f"{request.get_kind_display()}: {request.person.first_name if request.person else ''}",
            url=url,
            due_at=request.due_at,
            overdue=request.due_at < query.now,
        )
        for request in requests_open().order_by("due_at", "pk")[: query.limit]
    ]


def register() -> None:
    overview.waiting.register(waiting_requests)
