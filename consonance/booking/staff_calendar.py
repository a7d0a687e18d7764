"""The coach's week calendar and her private calendar feed (booking.feed)."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from consonance.audit.services import actor_staff_request
from consonance.booking import feed, selectors
from consonance.lib.time import STOCKHOLM
from consonance.lib.urls import absolute_url
from consonance.people.selectors import identities_read


def _week_of(request: HttpRequest) -> date:
    """The Monday of ?vecka=2026-W12 (ISO week), or of this week."""
    text = request.GET.get("vecka", "")
    if text:
        found = re.fullmatch(r"(\d{4})-W(\d{1,2})", text)
        try:
            if found is None:
                raise ValueError(text)
            return date.fromisocalendar(int(found[1]), int(found[2]), 1)
        except ValueError:
            raise Http404("not a week") from None
    return selectors.week_start(timezone.localdate(timezone=STOCKHOLM))


def week_days(monday: date) -> list[tuple[date, list]]:
    """The seven days of the week with their sessions, in Stockholm time."""
    start = datetime.combine(monday, time(0), tzinfo=STOCKHOLM)
    end = datetime.combine(monday + timedelta(days=7), time(0), tzinfo=STOCKHOLM)
    days: dict[date, list] = {monday + timedelta(days=i): [] for i in range(7)}
    found = list(selectors.bookings_between(start, end))
    identities_read([b.person for b in found])  # her names: one key read, not one a session
    for booking in found:
        assert booking.starts_at is not None  # filtered on its start
        days[booking.starts_at.astimezone(STOCKHOLM).date()].append(booking)
    return list(days.items())


def _week_param(monday: date) -> str:
    year, week, _day = monday.isocalendar()
    return f"{year}-W{week:02d}"


def week(request: HttpRequest) -> HttpResponse:
    monday = _week_of(request)
    today = timezone.localdate(timezone=STOCKHOLM)
    return render(
        request,
        "booking/staff/week.html",
        {
            "days": week_days(monday),
            "week_number": monday.isocalendar()[1],
            "monday": monday,
            "sunday": monday + timedelta(days=6),
            "previous": _week_param(monday - timedelta(days=7)),
            "next": _week_param(monday + timedelta(days=7)),
            "this_week": _week_param(selectors.week_start(today)),
            "today": today,
        },
    )


def feed_page(request: HttpRequest) -> HttpResponse:
    """Make, replace or revoke the secret address; the address is shown once, when made."""
    new_url = ""
    if request.method == "POST":
        actor = actor_staff_request(request)
        if "revoke" in request.POST:
            feed.feed_revoke(actor=actor)
            return redirect("booking_staff:feed")
        token = feed.feed_create(actor=actor)
        new_url = absolute_url(reverse("calendar-feed", args=[token]))
    return render(
        request,
        "booking/staff/feed.html",
        {"active": feed.feed_active(), "new_url": new_url},
    )


def feed_ics(request: HttpRequest, token: str) -> HttpResponse:
    """The feed itself (no sign-in: the secret address is the key). 404 for any other address."""
    if not feed.feed_valid(token):
        raise Http404(_("Kalenderflödet finns inte."))
    response = HttpResponse(feed.feed_ics(), content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response
