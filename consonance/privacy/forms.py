"""The retention dashboard's forms: an agreement to keep longer, a legal hold."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consonance.lib.text import normalise_email
from consonance.privacy.policy import get_policy
from consonance.privacy.registry import subject_by_email
from consonance.privacy.services import (
    agreeable_rules,
)


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

    person: models.Model | None = None  # the data subject, found through the registry

    def clean_email(self) -> str:
        email = normalise_email(self.cleaned_data["email"])
        # Through the registry: privacy sits below the people app.
        self.person = subject_by_email(email)
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
    person: models.Model | None = None  # the data subject, found through the registry

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
        self.person = subject_by_email(email)
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
