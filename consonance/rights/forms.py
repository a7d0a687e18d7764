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


SESSION_CHOICES = [
    ("cancel", _("Avboka dem enligt avbokningsvillkoren")),
    ("keep", _("Behåll dem tills de har ägt rum")),
]


class SessionsChoice(forms.Form):
    """Adds the question about her upcoming sessions when she has any."""

    def __init__(self, *args, sessions: list | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if sessions:
            self.fields["sessions"] = forms.ChoiceField(
                label=_("Du har bokade samtal framför dig. Vad vill du göra med dem?"),
                choices=SESSION_CHOICES,
                widget=forms.RadioSelect,
            )


class RestrictForm(SessionsChoice):
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


class EraseForm(SessionsChoice):
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
