from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from consonance.rights.models import Request, Restriction


class EmailForm(forms.Form):
    email = forms.EmailField(label=_("Din e-postadress"), max_length=254)


class SigninForm(forms.Form):
    token = forms.CharField(
        label=_("Koden från länken (allt efter tecknet #)"),
        max_length=500,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class RectifyForm(forms.Form):
    first_name = forms.CharField(label=_("Förnamn"), max_length=100)
    last_name = forms.CharField(label=_("Efternamn"), max_length=100)
    email = forms.EmailField(label=_("E-postadress"), max_length=254)


class RestrictForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Varför vill du begränsa behandlingen?"),
        choices=Restriction.Reason.choices,
        widget=forms.RadioSelect,
    )


class JournalRequestForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Vad gäller det?"),
        choices=[
            (Request.Kind.JOURNAL_ACCESS, _("Jag vill se mina journalanteckningar")),
            (Request.Kind.JOURNAL_DELETION, _("Jag vill att mina journalanteckningar raderas")),
        ],
        widget=forms.RadioSelect,
    )


class EraseForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("Jag förstår att raderingen inte kan ångras."), required=True
    )


class RequestHandleForm(forms.Form):
    state = forms.ChoiceField(
        choices=[(Request.State.DONE, _("Klar")), (Request.State.REJECTED, _("Avslagen"))],
        initial=Request.State.DONE,
    )
    note = forms.CharField(
        label=_("Anteckning (inga personuppgifter)"), max_length=200, required=False
    )
