"""Template filters for Swedish-first formatting, built into every template (settings.TEMPLATES).

{{ order.amount|kr }}          900,00 kr  (SEK 900.00 in English)
"""

from __future__ import annotations

from django import template

from consonance.lib.money import format_amount

register = template.Library()


@register.filter
def kr(value) -> str:
    try:
        return format_amount(value)
    except (ArithmeticError, ValueError, TypeError):
        return ""
