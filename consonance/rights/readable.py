"""Her readable copy (P24): her rows as a document a person reads, as the registry says.

Each declaration's `readable` names the fields a person reads, with their labels, in the export's
language; every other field (ids, nonces, hashes, provider ids, ciphertext) is for machines and
stays in data.json only. Values read as people write them: "4 december 2026 kl. 14:00"
(Stockholm time), "900,00 kr", coded values in words, an empty value left out, and a field
encrypted in her own browser (sealed) as a sentence saying so, never its bytes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import formats
from django.utils.translation import gettext as _

from consonance.lib.money import format_amount
from consonance.lib.time import local
from consonance.lib.urls import absolute_reverse
from consonance.people.models import Person
from consonance.privacy.registry import PersonalModel

if TYPE_CHECKING:
    from consonance.rights.export import Export

# Longer than this, or on several lines, a value is shown as a paragraph of its own.
_LONG = 90


@dataclass
class Entry:
    label: str
    text: str
    long: bool = False


# A group of rows with at most this many short values each reads best as a table.
_TABLE_COLUMNS = 5


@dataclass
class Group:
    """One model's rows about her, under its heading; each row a list of labelled values."""

    heading: str
    rows: list[list[Entry]] = field(default_factory=list)

    @property
    def columns(self) -> list[str]:
        seen: dict[str, None] = {}
        for row in self.rows:
            seen.update((e.label, None) for e in row)
        return list(seen)

    @property
    def table(self) -> list[list[tuple[str, str]]] | None:
        """The rows as (label, text) cells, one column per label, or None when they read
        better as records: many values, or a long text."""
        columns = self.columns
        if len(columns) > _TABLE_COLUMNS or any(e.long for row in self.rows for e in row):
            return None
        cells = [{e.label: e.text for e in row} for row in self.rows]
        return [[(c, texts.get(c, "")) for c in columns] for texts in cells]


def moment_text(value: dt.datetime) -> str:
    """ "4 december 2026 kl. 14:00" in Swedish, "4 December 2026, 14:00" in English."""
    moment = local(value)
    return _("%(date)s kl. %(time)s") % {
        "date": formats.date_format(moment, "j F Y"),
        "time": formats.time_format(moment, "H:i"),
    }


def date_text(value: dt.date) -> str:
    return formats.date_format(value, "j F Y")


def _typed_text(name: str, value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        return moment_text(value)
    if isinstance(value, dt.date):
        return date_text(value)
    if isinstance(value, bool):
        return _("ja") if value else _("nej")
    if isinstance(value, Decimal):
        if name.endswith("_rate"):
            return f"{formats.number_format(value.normalize())} %"
        return format_amount(value)
    if isinstance(value, list | dict | bytes | memoryview):
        return ""  # structures and bytes are for machines (data.json)
    return str(value)


def _raw(declaration: PersonalModel, row: models.Model, record: dict, name: str) -> Any:
    """The value to show for `name`: decrypted or cleaned (from the exported record) where the
    registry says so, a choice's label, a related row's name, or a model attribute."""
    if name in declaration.encrypted:
        return record.get(name.removesuffix("_ciphertext"))
    if name in declaration.scrub:
        return record.get(name)
    readable = declaration.readable
    try:
        f = row._meta.get_field(name)
    except FieldDoesNotExist:
        value = getattr(row, name, None)
        return value() if callable(value) else value
    value = getattr(row, name)
    if getattr(f, "choices", None) and readable is not None and name not in readable.values:
        return getattr(row, f"get_{name}_display")()
    if f.is_relation:
        return str(value) if value is not None else None
    return value


def readable_row(declaration: PersonalModel, row: models.Model, record: dict) -> list[Entry]:
    """The labelled values of one row, in the declaration's order, empty ones left out."""
    readable = declaration.readable
    if readable is None:
        return []
    entries = []
    for name, label in readable.labels.items():
        if name in declaration.sealed:
            text = _("krypterat, kan bara läsas i din webbläsare") if getattr(row, name) else ""
        elif name in declaration.encrypted and record.get(name.removesuffix("_ciphertext")) is None:
            text = _("kan inte längre läsas") if getattr(row, name) else ""
        else:
            value = _raw(declaration, row, record, name)
            if name in readable.values:
                value = readable.values[name].get(value, value)
            reader = readable.readers.get(name)
            text = reader(value) if reader else _typed_text(name, value)
        text = str(text)
        if text:
            long = "\n" in text or len(text) > _LONG
            entries.append(Entry(str(label), text, long))
    return entries


def group_for(declaration: PersonalModel) -> Group:
    readable = declaration.readable
    heading = readable.heading if readable else declaration.model_class._meta.verbose_name_plural
    return Group(str(heading))


def export_context(person: Person, export: Export) -> dict:
    """What index.html shows: her name, when, the practice, and per category the facts, her
    retention dates and her rows as she reads them."""
    data = export.data
    made = dt.datetime.fromisoformat(data["generated_at"])
    categories = []
    for c in export.holdings.categories:
        ends = [
            {"text": u.text, "until": date_text(local(u.until).date()) if u.until else ""}
            for u in c.until
        ]
        categories.append({"c": c, "ends": ends})
    return {
        "language": data["language"],
        "controller": data["controller"],
        "person": person,
        "made": moment_text(made),
        "made_date": date_text(local(made).date()),
        "categories": categories,
        "recipients": export.recipients,
        "other": [g for g in export.holdings.other_readable if g.rows],
        "journal_withheld": data.get("journal_notes_withheld", False)
        and any(c.id == "journal" for c in export.holdings.categories),
        "center_url": absolute_reverse("rights:start"),
        "policy_url": absolute_reverse("privacy-policy"),
    }
