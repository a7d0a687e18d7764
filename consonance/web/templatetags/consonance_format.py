"""Template filters for Swedish-first formatting, built into every template (settings.TEMPLATES).

{{ order.amount|kr }}          900,00 kr  (SEK 900.00 in English)
{{ voucher.created_by|actor }}  "du (coach)", "systemet", "klienten": who did it, in words
"""

from __future__ import annotations

from django import template
from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from consonance.lib.money import format_amount

register = template.Library()


@register.filter
def kr(value) -> str:
    try:
        return format_amount(value)
    except (ArithmeticError, ValueError, TypeError):
        return ""


@register.filter
def actor(value) -> str:
    """An audit actor ("staff:1", "person:7", "system") as the coach reads it: never the code."""
    text = str(value or "")
    kind, _sep, pk = text.partition(":")
    if kind == "staff" and pk.isdigit():
        user = get_user_model().objects.filter(pk=int(pk)).first()
        return user.get_username() if user is not None else _("en tidigare medarbetare")
    if kind == "person":
        return _("klienten")
    if kind == "system" or not text:
        return _("systemet")
    return _("någon annan")
