from __future__ import annotations

from datetime import datetime, time, timedelta

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.utils import timezone
from django.utils.translation import gettext as _

from consonance.audit.selectors import audit_latest_verification
from consonance.audit.services import actor_staff_request
from consonance.booking import selectors as booking_selectors
from consonance.lib import overview
from consonance.lib.markup import render_markdown
from consonance.lib.time import STOCKHOLM
from consonance.people.selectors import persons_read
from consonance.privacy.policy import get_policy
from consonance.web.forms import SitePageForm
from consonance.web.health import health_checks, health_json, health_sentence
from consonance.web.models import SitePage
from consonance.web.services import site_page_save


def home(request: HttpRequest) -> HttpResponse:
    """The public home page: the coach's own text, her services with prices, how to reach her."""
    page = SitePage.objects.filter(slug=SitePage.Slug.HOME).first()
    about = SitePage.objects.filter(slug=SitePage.Slug.ABOUT).exists()
    return render(
        request,
        "web/home.html",
        {
            "page": page,
            "body": render_markdown(page.body) if page else "",
            "services": booking_selectors.services_bookable(),
            "has_about": about,
        },
    )


def about(request: HttpRequest) -> HttpResponse:
    page = SitePage.objects.filter(slug=SitePage.Slug.ABOUT).first()
    if page is None:
        raise Http404("no about page yet")
    return render(request, "web/page.html", {"page": page, "body": render_markdown(page.body)})


def staff_pages(request: HttpRequest, slug: str = SitePage.Slug.HOME) -> HttpResponse:
    """The coach edits her home and "Om mig" pages (Markdown, both languages)."""
    if slug not in SitePage.Slug.values:
        raise Http404("no such page")
    page = SitePage.objects.filter(slug=slug).first() or SitePage(slug=slug)
    form = SitePageForm(request.POST or None, instance=page)
    if request.method == "POST":
        if form.is_valid():
            site_page_save(page=form.save(commit=False), actor=actor_staff_request(request))
            messages.success(request, _("Sidan är sparad."))
            return redirect("web_staff:pages", slug=slug)
        messages.error(request, _("Rätta uppgifterna som är markerade."))
    return render(
        request,
        "web/staff_pages.html",
        {
            "form": form,
            "slug": slug,
            "slugs": SitePage.Slug.choices,
            "preview": render_markdown(page.body_sv) if page.pk else "",
        },
        status=400 if request.method == "POST" else 200,
    )


# The overview shows the most urgent of what waits; each app's own queue has it all.
SHOWN = 50


def staff_home(request: HttpRequest) -> HttpResponse:
    """The coach's day: today's and this week's sessions, and one list of what waits for her,
    the nearest deadline first (every app adds its items through lib.overview.waiting)."""
    now = timezone.now()
    today = now.astimezone(STOCKHOLM).date()
    midnight = datetime.combine(today, time(0), tzinfo=STOCKHOLM)
    tomorrow = datetime.combine(today + timedelta(days=1), time(0), tzinfo=STOCKHOLM)
    week_end = datetime.combine(
        booking_selectors.week_start(today) + timedelta(days=7), time(0), tzinfo=STOCKHOLM
    )
    # One more than shown from each app: then "more" is known without counting.
    waiting = overview.waiting_items(overview.OverviewQuery(now=now, limit=SHOWN + 1))
    # Today's and the rest of the week's sessions in one query (on a Sunday, today's only).
    sessions = persons_read(
        list(booking_selectors.bookings_between(midnight, max(week_end, tomorrow)))
    )
    return render(
        request,
        "web/staff_home.html",
        {
            "today": today,
            "now": now,
            "today_sessions": [b for b in sessions if b.starts_at and b.starts_at < tomorrow],
            "week_sessions": [b for b in sessions if b.starts_at and b.starts_at >= tomorrow],
            "waiting": waiting[:SHOWN],
            "waiting_more": len(waiting) > SHOWN,
            # The worker verifies the chain daily; re-hashing it here would grow with every event.
            "verification": audit_latest_verification(),
            # One calm line when the worker, mail, a task or the backup needs the server's keeper.
            "health": health_sentence(health_checks(now), now),
        },
    )


def healthz(request: HttpRequest) -> HttpResponse:
    """For an uptime monitor: 200 when every check passes, 503 when one fails (web/health.py).
    Ages and counts only; no sign-in, no language prefix, never redirected to https."""
    now = timezone.now()
    body = health_json(health_checks(now), now)
    response = JsonResponse(body, status=200 if body["status"] == "ok" else 503)
    response["Cache-Control"] = "no-store"
    # A failing check is the monitor's news, not an error of the page: Django would log every
    # poll's 503 at ERROR (and so mail the admins each minute).
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 page: in both languages, without the context processors (anything may be down)."""
    try:
        controller = get_policy().controller
        context = {"site_name": controller.name, "email": controller.email}
    except Exception:  # the error page must render whatever failed
        context = {}
    return HttpResponseServerError(loader.get_template("500.html").render(context))
