from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

MAX_SIE_BYTES = 50 * 1024 * 1024


class SieUploadForm(forms.Form):
    file = forms.FileField(label=_("SIE-fil"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_SIE_BYTES:
            raise forms.ValidationError(_("Filen är större än 50 MB."))
        return upload


class CorrectionForm(forms.Form):
    """Why a voucher is reversed: the text of the correcting voucher says it (5 kap. 5 §)."""

    reason = forms.CharField(
        label=_("Varför rättas verifikationen?"),
        max_length=120,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text=_("Till exempel: fel konto, fel belopp, dubbelbokförd."),
    )
    confirm = forms.BooleanField(
        label=_("Ja, skapa en ny verifikation som vänder varje rad i den här."),
        required=True,
    )

    def clean_reason(self) -> str:
        reason = " ".join(self.cleaned_data["reason"].split())
        if not reason:
            raise forms.ValidationError(_("Skriv varför verifikationen rättas."))
        return reason
