"""Amounts as people read them: the one place where the site formats money.

`amount_sv`: the number as Swedish readers write it, a decimal comma and grouped thousands
("1 500,00", a no-break space between the groups). `format_amount`: with the currency, in the
reader's language: `900,00 kr` and `1 800,00 kr` in Swedish, `SEK 1,800.00` in English (another
currency by its code: `120,00 EUR`, `EUR 120.00`). Templates use it as `{{ amount|kr }}`.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from consonance.lib.i18n import current_language

NBSP = "\u00a0"


def amount_sv(value: Decimal | int | str) -> str:
    """`Decimal("1500")` -> "1 500,00" (no-break space between thousands), "-50,00"."""
    amount = Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    whole, _, fraction = f"{abs(amount):.2f}".partition(".")
    groups: list[str] = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return f"{'-' if amount < 0 else ''}{NBSP.join(groups)},{fraction}"


def format_amount(
    amount: Decimal | int | str | None, language: str | None = None, currency: str = "SEK"
) -> str:
    """`amount` with its currency, for `language` (default: the active one); "" for None."""
    if amount is None or amount == "":
        return ""
    if (language or current_language()).startswith("en"):
        value = Decimal(amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        return f"{'-' if value < 0 else ''}{currency} {abs(value):,.2f}"
    unit = "kr" if currency == "SEK" else currency
    return f"{amount_sv(amount)} {unit}"
