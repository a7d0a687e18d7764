"""The coach's retention dashboard: what the engine did, what it will do, and the agreements."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from consonance.audit.services import actor_staff_request
from consonance.lib.i18n import current_language
from consonance.privacy import selectors
from consonance.privacy.forms import AgreementForm, HoldForm
from consonance.privacy.models import LegalHold, RetentionAgreement
from consonance.privacy.policy import get_policy
from consonance.privacy.retention_forecast import retention_forecast
from consonance.privacy.services import (
    AgreementInvalid,
    agreement_create,
    agreement_end,
    legal_hold_create,
    legal_hold_lift,
)

FORECAST_DAYS = 30


def dashboard(
    request: HttpRequest,
    form: AgreementForm | None = None,
    hold_form: HoldForm | None = None,
) -> HttpResponse:
    language = current_language()
    policy = get_policy()
    now = timezone.now()
    today = timezone.localdate(now)
    forecast = retention_forecast(now=now, days=FORECAST_DAYS)
    days = [today + dt.timedelta(days=i) for i in range(FORECAST_DAYS)]
    forecast_days: list[dict[str, Any]] = []
    for day in days:
        entries = [
            {"rule": row.rule, "count": row.by_day[day]} for row in forecast if row.by_day.get(day)
        ]
        if entries:
            forecast_days.append({"day": day, "entries": entries})
    rule_names = {
        rule.id: policy.categories[rule.category].name.get(language) for rule in policy.retention
    }
    runs = selectors.runs_by_day(now=now)
    totals = selectors.totals_by_rule(now=now, runs=runs)
    rules = [
        {
            "rule": rule,
            "name": rule_names[rule.id],
            "duration": rule.duration.render(language, words=True),
            "after": policy.events[rule.after].get(language),
            "done": sum(totals.get(rule.id, {}).values()),
            "coming": next((row.total for row in forecast if row.rule.id == rule.id), 0),
        }
        for rule in policy.retention
    ]
    history = [{**row, "name": rule_names.get(row["rule_id"], row["rule_id"])} for row in runs]
    for entry_day in forecast_days:
        for entry in entry_day["entries"]:
            entry["name"] = rule_names[entry["rule"].id]
    return render(
        request,
        "privacy/staff_retention.html",
        {
            "rules": rules,
            "history": history,
            "forecast_days": forecast_days,
            "forecast_total": sum(row.total for row in forecast),
            "last_run": selectors.last_run(),
            "agreements": selectors.agreements_current(now=now),
            "past_agreements": selectors.agreements_past(now=now),
            "holds": selectors.holds_current(now=now),
            "category_names": {key: c.name.get(language) for key, c in policy.categories.items()},
            "rule_names": rule_names,
            "form": form or AgreementForm(language=language),
            "hold_form": hold_form or HoldForm(language=language),
            "forecast_days_count": FORECAST_DAYS,
        },
        status=400 if any(f is not None and f.errors for f in (form, hold_form)) else 200,
    )


@require_POST
def agreement_create_view(request: HttpRequest) -> HttpResponse:
    form = AgreementForm(request.POST, language=current_language())
    if not form.is_valid():
        messages.error(request, _("Överenskommelsen sparades inte. Rätta det som är markerat."))
        return dashboard(request, form=form)
    assert form.person is not None
    try:
        agreement_create(
            person=form.person,
            rule_id=form.cleaned_data["rule"],
            until=form.cleaned_data["until"],
            reason=form.cleaned_data["reason"],
            actor=actor_staff_request(request),
            created_by_id=request.user.pk,
        )
    except AgreementInvalid:
        messages.error(request, _("Överenskommelsen sparades inte. Rätta det som är markerat."))
        return dashboard(request, form=form)
    messages.success(request, _("Överenskommelsen är sparad."))
    return redirect("privacy_staff:dashboard")


@require_POST
def agreement_end_view(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = get_object_or_404(RetentionAgreement, pk=pk, ended_at__isnull=True)
    agreement_end(agreement=agreement, actor=actor_staff_request(request))
    messages.success(
        request, _("Överenskommelsen är avslutad. Uppgifterna hanteras åter enligt policyn.")
    )
    return redirect("privacy_staff:dashboard")


@require_POST
def hold_create_view(request: HttpRequest) -> HttpResponse:
    form = HoldForm(request.POST, language=current_language())
    if not form.is_valid():
        messages.error(request, _("Spärren sparades inte. Rätta det som är markerat."))
        return dashboard(request, hold_form=form)
    legal_hold_create(
        person=form.person,
        category=form.cleaned_data["category"],
        until=form.cleaned_data["until"],
        reason=form.cleaned_data["reason"],
        actor=actor_staff_request(request),
        created_by_id=request.user.pk,
    )
    messages.success(
        request, _("Spärren är sparad. Det den gäller gallras inte förrän du häver den.")
    )
    return redirect(reverse("privacy_staff:dashboard") + "#sparrar")


@require_POST
def hold_lift_view(request: HttpRequest, pk: int) -> HttpResponse:
    hold = get_object_or_404(LegalHold, pk=pk, lifted_at__isnull=True)
    legal_hold_lift(hold=hold, actor=actor_staff_request(request))
    messages.success(request, _("Spärren är hävd. Uppgifterna gallras åter enligt policyn."))
    return redirect(reverse("privacy_staff:dashboard") + "#sparrar")
