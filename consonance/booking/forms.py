"""The booking forms: the client's booking, and the coach's (services and prices, opening
hours, days off, her own calendars, and her actions on a booking: move, cancel, video link, a
booking she makes herself)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from consonance.booking import busy
from consonance.booking.models import DayOff, OpeningHours, PracticeSettings, Service
from consonance.lib.time import STOCKHOLM
from consonance.payments import methods as table

SWEDISH_VAT_RATES = (Decimal(25), Decimal(12), Decimal(6), Decimal(0))


class BookingForm(forms.Form):
    """P1: first name, last name and e-mail; nothing else is required."""

    first_name = forms.CharField(label=_("Förnamn"), max_length=100)
    last_name = forms.CharField(label=_("Efternamn"), max_length=100)
    email = forms.EmailField(label=_("E-post"), max_length=254)
    method = forms.ChoiceField(label=_("Betalsätt"), widget=forms.RadioSelect)
    phone = forms.CharField(
        label=_("Mobilnummer för Swish (valfritt)"),
        max_length=20,
        required=False,
        help_text=_(
            "Bara för Swish: anger du numret skickas betalningen direkt till din Swish-app. "
            "Annars visar vi en QR-kod. Numret raderas inom 48 timmar."
        ),
    )

    def __init__(self, *args, methods: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        method = self.fields["method"]
        assert isinstance(method, forms.ChoiceField)  # declared above
        method.choices = [(m, table.method(m).label) for m in methods]
        if len(methods) == 1:
            method.initial = methods[0]
        if not any(table.method(m).phone for m in methods):
            del self.fields["phone"]

    def clean_first_name(self) -> str:
        return self.cleaned_data["first_name"].strip()

    def clean_last_name(self) -> str:
        return self.cleaned_data["last_name"].strip()

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data  # the dict super().clean() returns (the stubs add None)
        phone = (data.get("phone") or "").strip()
        chosen = data.get("method")
        row = table.method(chosen) if chosen else None
        if row is None or not row.phone:
            data["phone"] = ""  # P8: not kept unless the method needs it
        elif phone:
            try:
                data["phone"] = row.normalize_phone(phone)
            except ValueError:
                self.add_error("phone", _("Ange ett mobilnummer, till exempel 070-123 45 67."))
        return data


# -- staff ----------------------------------------------------------------------------------


class ServiceForm(forms.ModelForm):
    class Meta:
        model = Service
        fields = [
            "name_sv",
            "name_en",
            "kind",
            "duration_minutes",
            "price",
            "vat_rate",
            "refund_full_hours",
            "late_refund_percent",
            "answered_refund_percent",
            "description_sv",
            "description_en",
            "active",
            "position",
        ]
        widgets = {
            "description_sv": forms.Textarea(attrs={"rows": 3}),
            "description_en": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Only an e-mail service has a first reply; left empty it is 0 (nothing back).
        self.fields["answered_refund_percent"].required = False

    def clean_answered_refund_percent(self) -> int:
        return self.cleaned_data.get("answered_refund_percent") or 0

    def clean_vat_rate(self) -> Decimal:
        # Sweden's rates: each has its accounts and its box on the VAT return (bookkeeping).
        rate = self.cleaned_data["vat_rate"]
        if rate not in SWEDISH_VAT_RATES:
            raise forms.ValidationError(
                _("Momssatsen är 25, 12, 6 eller 0 procent (0 för momsfri vård och behandling).")
            )
        return rate


class PracticeSettingsForm(forms.ModelForm):
    class Meta:
        model = PracticeSettings
        fields = ["buffer_minutes", "step_minutes", "notice_hours", "horizon_days", "hold_minutes"]


class OpeningHoursForm(forms.ModelForm):
    class Meta:
        model = OpeningHours
        fields = ["weekday", "start", "end"]
        widgets = {
            "start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A saved row always has a weekday: no blank "choose" entry; the empty row gets a dash.
        blank = [] if self.instance.pk else [("", "–")]
        weekday = self.fields["weekday"]
        assert isinstance(weekday, forms.ChoiceField)  # a model field with choices
        weekday.choices = blank + list(OpeningHours.Weekday.choices)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data  # the dict super().clean() returns (the stubs add None)
        if data.get("start") and data.get("end") and data["start"] >= data["end"]:
            raise forms.ValidationError(_("Starttiden måste vara före sluttiden."))
        return data


OpeningHoursFormSet = forms.modelformset_factory(
    OpeningHours, form=OpeningHoursForm, extra=1, can_delete=True
)


class DayOffForm(forms.ModelForm):
    class Meta:
        model = DayOff
        fields = ["day", "start", "end", "note"]
        widgets = {
            "day": forms.DateInput(attrs={"type": "date"}),
            "start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }
        help_texts = {"start": _("Lämna tiderna tomma för en helt stängd dag.")}

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data  # the dict super().clean() returns (the stubs add None)
        start, end = data.get("start"), data.get("end")
        if (start is None) != (end is None):
            raise forms.ValidationError(_("Ange både från och till, eller ingen av dem."))
        if start and end and start >= end:
            raise forms.ValidationError(_("Starttiden måste vara före sluttiden."))
        return data


class BusyCalendarForm(forms.Form):
    label = forms.CharField(
        label=_("Namn (till exempel Google privat)"), max_length=60, required=False
    )
    address = forms.CharField(
        label=_("Kalenderns privata adress (iCal, .ics)"),
        max_length=busy.MAX_ADDRESS,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


# -- the coach's actions on a booking -----------------------------------------------------------


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
