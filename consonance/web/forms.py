"""The coach's forms of the web app: her site pages, holidays and the practice's closing."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consonance.web.models import SitePage


class SitePageForm(forms.ModelForm):
    class Meta:
        model = SitePage
        fields = ["title_sv", "body_sv", "title_en", "body_en"]
        widgets = {
            "body_sv": forms.Textarea(attrs={"rows": 14}),
            "body_en": forms.Textarea(attrs={"rows": 14}),
        }


class ClosureForm(forms.Form):
    closes_on = forms.DateField(
        label=gettext_lazy("Sista dagen praktiken finns"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean_closes_on(self):
        day = self.cleaned_data["closes_on"]
        if day < timezone.localdate():
            raise forms.ValidationError(_("Dagen har redan varit."))
        return day


class HolidayForm(forms.Form):
    first_day = forms.DateField(
        label=gettext_lazy("Första dagen"), widget=forms.DateInput(attrs={"type": "date"})
    )
    last_day = forms.DateField(
        label=gettext_lazy("Sista dagen"), widget=forms.DateInput(attrs={"type": "date"})
    )
