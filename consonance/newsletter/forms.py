from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class SignupForm(forms.Form):
    first_name = forms.CharField(label=_("Förnamn"), max_length=100)
    last_name = forms.CharField(label=_("Efternamn"), max_length=100)
    email = forms.EmailField(label=_("E-post"), max_length=254)
    consent = forms.BooleanField(
        required=True,
        error_messages={"required": _("Kryssa i rutan för att samtycka till nyhetsbrevet.")},
    )


class CampaignForm(forms.Form):
    subject_sv = forms.CharField(label=_("Ämnesrad (svenska)"), max_length=200, required=False)
    body_sv = forms.CharField(
        label=_("Text på svenska (Markdown)"), required=False, widget=forms.Textarea
    )
    subject_en = forms.CharField(label=_("Ämnesrad (engelska)"), max_length=200, required=False)
    body_en = forms.CharField(
        label=_("Text på engelska (Markdown)"), required=False, widget=forms.Textarea
    )

    def clean(self):
        data = super().clean() or {}
        if not (data.get("body_sv", "").strip() or data.get("body_en", "").strip()):
            raise forms.ValidationError(_("Skriv texten på svenska, engelska eller båda."))
        for lang in ("sv", "en"):
            if data.get(f"body_{lang}", "").strip() and not data.get(f"subject_{lang}", "").strip():
                self.add_error(f"subject_{lang}", _("En text behöver en ämnesrad."))
        return data
