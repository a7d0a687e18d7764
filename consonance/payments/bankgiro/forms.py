"""The coach's form for a BgMax file from the bank."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("BgMax-fil från banken"),
        help_text=gettext_lazy(
            "Filen med Bankgiro Inbetalningar som du hämtar i internetbanken. Ingenting "
            "ändras förrän du har sett förhandsgranskningen och tryckt på Läs in."
        ),
    )
