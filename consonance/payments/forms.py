"""The payer's form for the account a refund goes to (the page her e-mail links to)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consonance.lib.bankaccount import BankAccount, BankAccountError, bank_account_check

# Field of each error code of lib.bankaccount, and what she reads.
MESSAGES: dict[str, tuple[str, Any]] = {
    "clearing_missing": ("clearing", _("Fyll i clearingnumret.")),
    "clearing_digits": ("clearing", _("Clearingnumret ska bara innehålla siffror.")),
    "clearing_length": (
        "clearing",
        _("Clearingnumret har fyra siffror (fem hos en del Swedbankkonton, som börjar på 8)."),
    ),
    "clearing_unknown": (
        "clearing",
        _("Inget clearingnummer börjar på 0. Titta efter numret i din internetbank eller app."),
    ),
    "number_missing": ("number", _("Fyll i kontonumret.")),
    "number_digits": (
        "number",
        _("Kontonumret ska bara innehålla siffror (mellanslag och bindestreck går bra)."),
    ),
    "number_length": ("number", _("Kontonumret har för många siffror för %(bank)s.")),
    "number_length_unknown": ("number", _("Kontonumret har för många siffror.")),
    "check_digit": (
        "number",
        _(
            "Kontonumret stämmer inte med clearingnumret (kontrollsiffran blir fel). "
            "Jämför siffrorna med kontot hos %(bank)s i din internetbank eller app."
        ),
    ),
}


def _digits_field(label: Any, max_length: int, help_text: Any, missing: str) -> forms.CharField:
    """A number as people type it (spaces, dashes): a phone's number pad, no autofill."""
    return forms.CharField(
        label=label,
        max_length=max_length,
        help_text=help_text,
        error_messages={"required": MESSAGES[missing][1]},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class RefundAccountForm(forms.Form):
    clearing = _digits_field(
        _("Clearingnummer"),
        20,
        _("Fyra siffror, till exempel 5365. Hos Swedbank ibland fem: 8327-9."),
        "clearing_missing",
    )
    number = _digits_field(_("Kontonummer"), 30, _("Utan clearingnumret."), "number_missing")
    holder = forms.CharField(
        label=_("Kontoinnehavare (valfritt)"),
        max_length=100,
        required=False,
        help_text=_("Namnet kontot står på, om det inte är ditt."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    confirm = forms.BooleanField(
        label=_("Jag har kontrollerat numret och det stämmer."),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.account: BankAccount | None = None
        self.needs_confirmation = False  # the number could not be checked: she must confirm it

    def clean_holder(self) -> str:
        return " ".join(self.cleaned_data["holder"].split())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "clearing" not in data or "number" not in data:
            return data
        try:
            account = bank_account_check(data["clearing"], data["number"])
        except BankAccountError as error:
            code = error.code
            if code == "number_length" and not error.facts.get("bank"):
                code = "number_length_unknown"
            field, message = MESSAGES[code]
            self.add_error(field, forms.ValidationError(message, params=error.facts, code=code))
            return data
        if not account.checked and not data.get("confirm"):
            self.needs_confirmation = True
            self.add_error("confirm", forms.ValidationError(_unchecked(account), code="unchecked"))
            return data
        self.account = account
        return data


def _unchecked(account: BankAccount) -> Any:
    if not account.bank:
        return _(
            "Jag känner inte igen clearingnumret. Jämför det med din internetbank eller app. "
            "Stämmer det, kryssa i rutan och skicka igen."
        )
    return _(
        "Numret går inte att kontrollera med kontrollsiffran. Några konton hos Swedbank och "
        "Plusgirot går inte att kontrollera så: stämmer numret, kryssa i rutan och skicka igen."
    )


class KronorField(forms.DecimalField):
    """An amount as people type it: "250,50", "1 800" or "250.50"."""

    def to_python(self, value):
        if isinstance(value, str):
            value = value.replace("\u00a0", "").replace(" ", "").replace("kr", "").replace(",", ".")
        return super().to_python(value)


class RefundForm(forms.Form):
    amount = KronorField(
        label=_("Belopp (kr)"),
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0.01"),
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )

    def __init__(self, *args, most: Decimal, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.most = most
        self.fields["amount"].initial = f"{most:.2f}".replace(".", ",")

    def clean_amount(self) -> Decimal:
        amount = self.cleaned_data["amount"]
        if amount > self.most:
            raise forms.ValidationError(_("Det är mer än som går att betala tillbaka."))
        return amount


class WithdrawalForm(forms.Form):
    """A PayPal withdrawal as it reached her bank: the amount and the day it arrived."""

    amount = KronorField(
        label=_("Belopp som kom in på banken (kr)"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    arrived_on = forms.DateField(
        label=_("Dag då pengarna kom in"), widget=forms.DateInput(attrs={"type": "date"})
    )
    # The form's own id: a second send of the same form (a double click, a reload) records nothing.
    form_id = forms.RegexField(regex=r"^[0-9a-f]{32}$", widget=forms.HiddenInput)

    def clean_arrived_on(self):
        day = self.cleaned_data["arrived_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("Dagen kan inte ligga i framtiden."))
        return day
