from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from consonance.contact.services import MAX_BODY, MAX_REPLY


class ContactForm(forms.Form):
    """Name, e-mail and message (P17), plus the hidden fields of the flood protection."""

    name = forms.CharField(
        label=_("Namn"), max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    email = forms.EmailField(
        label=_("E-post"),
        max_length=254,
        help_text=_("Jag svarar till den här adressen."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    message = forms.CharField(
        label=_("Meddelande"),
        max_length=MAX_BODY,
        widget=forms.Textarea(attrs={"rows": 8, "maxlength": MAX_BODY}),
    )
    # The honeypot: hidden from people by the stylesheet and from screen readers; bots fill it.
    website = forms.CharField(
        required=False,
        label=_("Lämna det här fältet tomt"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    token = forms.CharField(required=False, widget=forms.HiddenInput)
    altcha = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_name(self) -> str:
        return " ".join(self.cleaned_data["name"].split())

    def clean_message(self) -> str:
        text = self.cleaned_data["message"].replace("\r\n", "\n").strip()
        if not text:
            raise forms.ValidationError(_("Skriv ett meddelande."))
        return text


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Mitt svar"),
        max_length=MAX_REPLY,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_(
            "Skickas med e-post i ditt namn. När svaret är skickat raderas samtalet: "
            "för först över det som måste sparas till journalen."
        ),
    )
    upto = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class JournalForm(forms.Form):
    text = forms.CharField(
        label=_("Det här sparas i journalen"),
        max_length=MAX_BODY * 2,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Korta gärna ner till det som verkligen behöver sparas."),
    )


class HandledForm(forms.Form):
    upto = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
