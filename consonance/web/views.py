from __future__ import annotations

from datetime import datetime, time, timedelta

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.utils import timezone

from consonance.audit.selectors import audit_latest_verification
from consonance.booking import selectors as booking_selectors
from consonance.lib import overview
from consonance.lib.time import STOCKHOLM
from consonance.privacy.policy import get_policy


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html")


def staff_home(request: HttpRequest) -> HttpResponse:
    """The coach's day: today's and this week's sessions, and what waits for her (every app adds
    its items through lib.overview.waiting)."""
    now = timezone.now()
    today = now.astimezone(STOCKHOLM).date()
    midnight = datetime.combine(today, time(0), tzinfo=STOCKHOLM)
    tomorrow = datetime.combine(today + timedelta(days=1), time(0), tzinfo=STOCKHOLM)
    week_end = datetime.combine(
        booking_selectors.week_start(today) + timedelta(days=7), time(0), tzinfo=STOCKHOLM
    )
    return render(
        request,
        "web/staff_home.html",
        {
            "today": today,
            "now": now,
            "today_sessions": list(booking_selectors.bookings_between(midnight, tomorrow)),
            "week_sessions": list(booking_selectors.bookings_between(tomorrow, week_end)),
            "waiting": overview.waiting_items(overview.OverviewQuery(now=now)),
            # The worker verifies the chain daily; re-hashing it here would grow with every event.
            "verification": audit_latest_verification(),
        },
    )


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 page: in both languages, without the context processors (anything may be down)."""
    try:
        controller = get_policy().controller
        context = {"site_name": controller.name, "email": controller.email}
    except Exception:  # the error page must render whatever failed
        context = {}
    return HttpResponseServerError(loader.get_template("500.html").render(context))
