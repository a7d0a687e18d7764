"""Amounts as Swedish readers write them: a decimal comma and grouped thousands ("1 500,00")."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

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
