"""The coach's retention dashboard: what the engine did, what it will do, and the agreements."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from consonance.audit.services import actor_staff_request
from consonance.lib.i18n import current_language
from consonance.lib.text import normalise_email
from consonance.privacy import selectors
from consonance.privacy.models import LegalHold, RetentionAgreement
from consonance.privacy.policy import get_policy
from consonance.privacy.registry import subject_by_email
from consonance.privacy.retention_forecast import retention_forecast
from consonance.privacy.services import (
    AgreementInvalid,
    agreeable_rules,
    agreement_create,
    agreement_end,
    legal_hold_create,
    legal_hold_lift,
)

if TYPE_CHECKING:  # annotations only: privacy sits below the people app
    from consonance.people.models import Person

FORECAST_DAYS = 30


class AgreementForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Klientens e-postadress"))
    rule = forms.ChoiceField(label=gettext_lazy("Vad ska sparas längre"))
    until = forms.DateField(
        label=gettext_lazy("Sparas till och med"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    reason = forms.CharField(
        label=gettext_lazy("Vad ni kom överens om"),
        help_text=gettext_lazy("Skriv kort varför; inga hälsouppgifter."),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
    )

    def __init__(self, *args, language: str = "sv", **kwargs):
        super().__init__(*args, **kwargs)
        policy = get_policy()
        rule_field = self.fields["rule"]
        assert isinstance(rule_field, forms.ChoiceField)
        rule_field.choices = [
            (rule.id, str(policy.categories[rule.category].name.get(language)))
            for rule in agreeable_rules()
        ]

    person: Person | None = None

    def clean_email(self) -> str:
        email = normalise_email(self.cleaned_data["email"])
        # Through the registry: privacy sits below the people app.
        self.person = subject_by_email(email)  # type: ignore[assignment]
        if self.person is None:
            raise forms.ValidationError(_("Det finns ingen klient med den e-postadressen."))
        return email

    def clean_until(self) -> dt.date:
        until = self.cleaned_data["until"]
        if until <= timezone.localdate():
            raise forms.ValidationError(_("Slutdatumet måste ligga i framtiden."))
        return until


class HoldForm(forms.Form):
    """A legal hold (a dispute, a claim, an authority's request): nothing it covers is deleted
    by the retention engine until it is lifted or its end date has passed."""

    email = forms.EmailField(
        label=gettext_lazy("Klientens e-postadress"),
        required=False,
        help_text=gettext_lazy("Lämna tomt om spärren gäller alla klienter."),
    )
    category = forms.ChoiceField(label=gettext_lazy("Vilka uppgifter"), required=False)
    until = forms.DateField(
        label=gettext_lazy("Gäller till och med"),
        required=False,
        help_text=gettext_lazy("Lämna tomt om spärren ska gälla tills du häver den."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    reason = forms.CharField(
        label=gettext_lazy("Skäl"),
        help_text=gettext_lazy(
            "Till exempel en tvist eller en myndighets begäran; inga hälsouppgifter."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
    )

    prefix = "hold"  # beside the agreement form on one page: its own field ids
    person: Person | None = None

    def __init__(self, *args, language: str = "sv", **kwargs):
        super().__init__(*args, **kwargs)
        category_field = self.fields["category"]
        assert isinstance(category_field, forms.ChoiceField)
        category_field.choices = [("", _("Alla uppgifter"))] + [
            (key, category.name.get(language)) for key, category in get_policy().categories.items()
        ]

    def clean_email(self) -> str:
        email = self.cleaned_data["email"]
        if not email:
            return ""
        email = normalise_email(email)
        self.person = subject_by_email(email)  # type: ignore[assignment]
        if self.person is None:
            raise forms.ValidationError(_("Det finns ingen klient med den e-postadressen."))
        return email

    def clean_until(self) -> dt.date | None:
        until = self.cleaned_data["until"]
        if until is not None and until < timezone.localdate():
            raise forms.ValidationError(_("Slutdatumet kan inte ligga bakåt i tiden."))
        return until

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Skriv varför uppgifterna ska spärras."))
        return reason

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors and not cleaned.get("email") and not cleaned.get("category"):
            raise forms.ValidationError(
                _(
                    "En spärr gäller en klient, en sorts uppgifter eller båda. "
                    "Fyll i e-postadressen eller välj vilka uppgifter."
                )
            )
        return cleaned


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
    totals = selectors.totals_by_rule(now=now)
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
    history = [
        {**row, "name": rule_names.get(row["rule_id"], row["rule_id"])}
        for row in selectors.runs_by_day(now=now)
    ]
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
