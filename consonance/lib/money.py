"""Amounts as people read them: `900,00 kr` and `1 800,00 kr` in Swedish, `SEK 1,800.00` in English."""

from __future__ import annotations

from decimal import Decimal

from consonance.lib.i18n import current_language


def format_amount(amount: Decimal | int | str | None, language: str | None = None) -> str:
    """`amount` in kronor, for `language` (default: the active one); "" for None."""
    if amount is None or amount == "":
        return ""
    value = Decimal(amount).quantize(Decimal("0.01"))
    text = f"{abs(value):,.2f}"  # "1,800.00"
    sign = "-" if value < 0 else ""
    if (language or current_language()).startswith("en"):
        return f"{sign}SEK {text}"
    whole, cents = text.split(".")
    return f"{sign}{whole.replace(',', ' ')},{cents} kr"
