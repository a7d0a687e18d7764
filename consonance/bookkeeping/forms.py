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
