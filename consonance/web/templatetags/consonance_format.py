"""Template filters for Swedish-first formatting, built into every template (settings.TEMPLATES).

{{ order.amount|kr }}          900,00 kr  (SEK 900.00 in English)
{{ voucher.created_by|actor }}  "du (coach)", "systemet", "klienten": who did it, in words
{{ booking|label:"state" }}     "Bekräftad": get_state_display(), its labels read once per language
"""

from __future__ import annotations

import functools

from django import template
from django.apps import apps
from django.contrib.auth import get_user_model
from django.utils.translation import get_language
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


@register.filter
def label(row, field: str) -> str:
    """`row.get_<field>_display()` from a table made once per model, field and language: Django
    rebuilds the choices' dict and translates every label on each call, which a list of 300
    bookings (state, method, status) paid for 900 times a page. Choice labels only, never data."""
    value = getattr(row, field)
    return _choice_labels(row._meta.label, field, get_language()).get(value, value)


@functools.cache
def _choice_labels(model: str, field: str, language: str | None) -> dict:
    choices = apps.get_model(model)._meta.get_field(field).flatchoices
    return {value: str(text) for value, text in choices}
