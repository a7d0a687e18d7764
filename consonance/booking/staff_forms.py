"""Forms of the coach's booking actions: move, cancel, video link, a booking she makes herself."""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from consonance.booking.models import Service
from consonance.lib.time import STOCKHOLM


class WhenForm(forms.Form):
    """A date and a time, in Stockholm."""

    day = forms.DateField(label=_("Datum"), widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(label=_("Tid"), widget=forms.TimeInput(attrs={"type": "time"}))

    def starts_at(self) -> datetime:
        return datetime.combine(
            self.cleaned_data["day"], self.cleaned_data["time"], tzinfo=STOCKHOLM
        )


class MoveForm(WhenForm):
    pass


class CancelForm(forms.Form):
    refund = forms.ChoiceField(
        label=_("Återbetalning"),
        choices=[
            ("rule", _("Enligt tjänstens avbokningsregel")),
            ("full", _("Hela det betalda beloppet")),
        ],
        initial="rule",
        widget=forms.RadioSelect,
    )


class LinkForm(forms.Form):
    join_url = forms.URLField(
        label=_("Länk till videosamtalet"), max_length=500, assume_scheme="https"
    )

    def clean_join_url(self) -> str:
        url = self.cleaned_data["join_url"]
        if not url.startswith("https://"):
            raise forms.ValidationError(_("Länken måste börja med https://."))
        return url


class CoachBookingForm(forms.Form):
    """A booking the coach makes for a client (agreed by phone)."""

    service = forms.ModelChoiceField(
        label=_("Tjänst"), queryset=Service.objects.all(), empty_label=_("Välj tjänst")
    )
    day = forms.DateField(
        label=_("Datum"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    time = forms.TimeField(
        label=_("Tid"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    first_name = forms.CharField(label=_("Förnamn"), max_length=100)
    last_name = forms.CharField(label=_("Efternamn"), max_length=100)
    email = forms.EmailField(label=_("E-post"), max_length=254)
    language = forms.ChoiceField(
        label=_("Språk i e-posten"), choices=[("sv", _("svenska")), ("en", _("engelska"))]
    )
    payment = forms.ChoiceField(
        label=_("Betalning"),
        choices=[
            ("invoice", _("Skicka en faktura via Bankgiro (tiden hålls tills den är betald)")),
            ("none", _("Ingen betalning här (betalt på annat sätt, eller kostnadsfritt)")),
        ],
        initial="invoice",
        widget=forms.RadioSelect,
    )

    def clean(self) -> dict:
        data = super().clean() or {}
        service = data.get("service")
        if data.get("payment") == "invoice" and not settings.BANKGIRO_NUMBER:
            self.add_error("payment", _("Bankgiro är inte inställt: välj ingen betalning här."))
        if service is not None and service.has_slot:
            if not data.get("day"):
                self.add_error("day", _("En videokonsultation behöver ett datum."))
            if not data.get("time"):
                self.add_error("time", _("En videokonsultation behöver en tid."))
        return data

    def starts_at(self) -> datetime | None:
        data = self.cleaned_data
        if not data["service"].has_slot:
            return None
        return datetime.combine(data["day"], data["time"], tzinfo=STOCKHOLM)
