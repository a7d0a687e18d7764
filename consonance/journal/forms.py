from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from consonance.booking.models import Booking
from consonance.journal.models import ConsultationTerms
from consonance.journal.services import MAX_BODY


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Anteckning"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=MAX_BODY,
        error_messages={"required": _("Skriv något först.")},
    )
    booking = forms.ModelChoiceField(
        label=_("Konsultation"),
        queryset=Booking.objects.none(),
        required=False,
        empty_label=_("Ingen särskild konsultation"),
    )

    def __init__(self, *args, person=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["booking"]
        assert isinstance(field, forms.ModelChoiceField)
        if person is not None:
            field.queryset = Booking.objects.filter(
                person=person, state=Booking.State.CONFIRMED
            ).select_related("service")
        field.label_from_instance = _booking_label  # type: ignore[method-assign,assignment]

    def clean_body(self) -> str:
        body = self.cleaned_data["body"].strip()
        if not body:
            raise forms.ValidationError(_("Skriv något först."))
        return body


def _booking_label(booking: Booking) -> str:
    when = booking.starts_at or booking.confirmed_at or booking.created_at
    return f"{booking.service.name}, {when:%Y-%m-%d}"


class BodyForm(forms.Form):
    body = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=MAX_BODY,
        error_messages={"required": _("Skriv något först.")},
    )

    def clean_body(self) -> str:
        body = self.cleaned_data["body"].strip()
        if not body:
            raise forms.ValidationError(_("Skriv något först."))
        return body


class MessageForm(BodyForm):
    """The client's message on her consultation page (P2: a warning about health details)."""

    body = forms.CharField(
        label=_("Ditt meddelande"),
        widget=forms.Textarea(attrs={"rows": 10}),
        max_length=20_000,
        error_messages={"required": _("Skriv något först.")},
        help_text=_(
            "Skriv bara det du själv vill att jag ska veta. Känsliga uppgifter om din hälsa tar "
            "jag hellre i en videokonsultation."
        ),
    )


class TermsForm(forms.ModelForm):
    class Meta:
        model = ConsultationTerms
        fields = ["exchanges", "days"]

    def clean_exchanges(self) -> int:
        value = self.cleaned_data["exchanges"]
        if not 1 <= value <= 50:
            raise forms.ValidationError(_("Ange mellan 1 och 50 svar."))
        return value

    def clean_days(self) -> int:
        value = self.cleaned_data["days"]
        if not 1 <= value <= 365:
            raise forms.ValidationError(_("Ange mellan 1 och 365 dagar."))
        return value
