from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class SigninForm(forms.Form):
    email = forms.EmailField(label=_("E-post"), max_length=254)
    first_name = forms.CharField(label=_("Förnamn"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Efternamn"), max_length=100, required=False)
