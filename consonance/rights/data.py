"""Everything held about one person, read from the registry of personal data (P24, P29).

Nothing here names a model: a model an app declares later is shown, exported and erased without
touching this code. Encrypted fields (names ending in `_ciphertext`) are decrypted with the
person's own key for her copy; fields the registry says carry links acting on her behalf are
copied without them (`scrub`). Categories are counted in the things a person recognises ("1
beställning · 1 betalning", the registry's `things`), never in rows.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from consonance.lib.crypto import DecryptionError
from consonance.people.keys import KeyDestroyed, keys_for, person_decrypt, person_keys
from consonance.people.models import Person
from consonance.privacy.census import census, census_things
from consonance.privacy.policy import Policy, RetentionRule, get_policy
from consonance.privacy.register import retention_sentence
from consonance.privacy.registry import (
    PersonalModel,
    PersonalStore,
    as_datetime,
    clock_value,
    registry,
    stores,
    things_text,
)
from consonance.rights.categories import CategoryHeld, RuleEnd, category_entry
from consonance.rights.readable import Group, group_for, readable_row
from consonance.rights.residue import identifiers_from
from consonance.rights.residue_columns import has_identifier_fields

log = logging.getLogger(__name__)

EXPORT_FORMAT = "consonance-export/1"
# Fields that say when a row came about, in order of preference ("since when", P24).
_SINCE_FIELDS = (
    "created_at",
    "collected_at",
    "received_at",
    "subscribed_at",
    "starts_at",
    "at",
    "date",
)


def decrypt_field(
    person: Person,
    declaration: PersonalModel,
    name: str,
    blob: Any,
    keys: dict[int, bytes] | None = None,
) -> str | None:
    """The plaintext of an encrypted field for its owner (with the context the registry declares
    for it), or None when it cannot be read (her key was destroyed, or the data is damaged).
    `keys`: her key as read once for this request (people.keys.person_keys)."""
    if blob is None:
        return None
    data = bytes(blob)
    if not data:
        return ""
    try:
        return person_decrypt(person, data, context=declaration.encryption_context(name), keys=keys)
    except KeyDestroyed:
        return None
    except DecryptionError:  # authentication failed: damaged or foreign ciphertext
        log.warning("%s.%s of row could not be decrypted", declaration.model, name)
        return None


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def _fields(declaration: PersonalModel) -> list[models.Field]:
    model = declaration.model_class
    return [f for f in model._meta.concrete_fields]


SEALED = "(krypterat i hennes webbläsare / encrypted in her browser)"


# The journal's text in her own export before the coach has gone through her request to see it
# (P15: "within 10 days"), as the privacy center promises; the coach's copy has it.
JOURNAL = "journal"


def withheld_text() -> str:
    return _("(lämnas ut när jag har gått igenom din begäran att se journalen, inom 10 dagar)")


def serialise_row(
    person: Person,
    declaration: PersonalModel,
    row: models.Model,
    *,
    staff_copy: bool = False,
    withhold_journal: bool = False,
    keys: dict[int, bytes] | None = None,
) -> dict:
    """One row for her export. A `staff_copy` (the staff command) shows sealed fields only as
    existing (P4), never their bytes; `withhold_journal` leaves the journal's text out (P15)."""
    out: dict[str, Any] = {}
    journal = withhold_journal and any(h.category == JOURNAL for h in declaration.holdings)
    for f in _fields(declaration):
        value = getattr(row, f.attname)
        if staff_copy and f.name in declaration.sealed:
            out[f.name] = SEALED
            continue
        if journal and f.name in declaration.encrypted:
            out[f.name.removesuffix("_ciphertext")] = withheld_text()
            continue
        if f.name in declaration.encrypted:
            text = decrypt_field(person, declaration, f.name, value, keys)
            out[f.name.removesuffix("_ciphertext")] = text
            continue
        value = _plain(value)
        scrub = declaration.scrub.get(f.name)
        out[f.name] = scrub(value) if scrub else value
    return out


def _row_ends(
    policy: Policy, declaration: PersonalModel, category_id: str, row: models.Model
) -> list[tuple[RetentionRule, dt.datetime | None]]:
    holding = declaration.holding(category_id)
    ends = []
    for rule in policy.rules_for(category_id):
        path = holding.clocks.get(rule.after) if holding else None
        start = clock_value(row, path) if path else None
        ends.append((rule, rule.expires(start) if start else None))
    return ends


def _since(row: models.Model) -> dt.datetime | None:
    for name in _SINCE_FIELDS:
        if hasattr(row, name):
            value = as_datetime(getattr(row, name))
            if value:
                return value
    return None


def _track_ends(
    ends_of: dict[str, tuple[RetentionRule, dt.datetime | None]],
    ends: list[tuple[RetentionRule, dt.datetime | None]],
) -> None:
    """The category lasts as long as its longest-lived row; a clock that has not started yet
    (None: "until you delete the account") outlasts any date."""
    for rule, until in ends:
        if rule.id not in ends_of:
            ends_of[rule.id] = (rule, until)
        else:
            known = ends_of[rule.id][1]
            if known is not None and (until is None or until > known):
                ends_of[rule.id] = (rule, until)


def _hold_rows(
    entry: CategoryHeld,
    policy: Policy,
    declaration: PersonalModel,
    rows: list[models.Model],
    ends_of: dict,
    records: list[dict] | None,
) -> None:
    """Add one model's rows to a category: since when, until when and, for a copy, the rows."""
    group = group_for(declaration) if records is not None else None
    for index, row in enumerate(rows):
        since = _since(row)
        if since and (entry.since is None or since < entry.since):
            entry.since = since
        ends = _row_ends(policy, declaration, entry.id, row)
        _track_ends(ends_of, ends)
        if records is not None and group is not None:
            record = {
                **records[index],
                "_retention": [
                    {"rule": rule.id, "until": until.isoformat() if until else None}
                    for rule, until in ends
                ],
            }
            entry.records.setdefault(declaration.model, []).append(record)
            group.rows.append(readable_row(declaration, row, records[index]))
    if group is not None and group.rows:
        entry.readable.append(group)


@dataclass
class Holdings:
    categories: list[CategoryHeld]
    # Models that declare no holdings (her requests and states in the rights app): per model,
    # her rows as exported, and as she reads them.
    other: dict[str, list[dict]]
    other_readable: list[Group]


def _with_clock_relations(declaration, found: models.QuerySet) -> models.QuerySet:
    """Her rows with the relations their clocks are read through joined in (one query, not one
    per row); with none, the rows alone (`select_related()` with no names would join them all)."""
    relations = declaration.clock_relations()
    return found.select_related(*relations) if relations else found


def _sources(person_id: int, present: dict[str, int], with_records: bool) -> list:
    """Her rows per registered model the census found her in. Without records (the client card,
    her page's dates) only the categories are wanted: a table that holds none (her requests, her
    restrictions) is not read at all."""
    return [
        (d, d.rows_for(person_id))
        for d in registry()
        if d.model in present and (with_records or d.holdings)
    ]


def _her_key(person: Person) -> dict[int, bytes]:
    """Her key, read once for every row and field of this request (not kept beyond it)."""
    keys = person_keys([person.pk])
    keys_for([person], keys)  # her own identifiers, read with the same key
    return keys


def _things(
    person: Person, declaration: PersonalModel, rows: list, known: dict[str, list[int]]
) -> list[str]:
    """What she recognises in the rows: counted with the census (`known`), a store's here."""
    if isinstance(declaration, PersonalStore):
        return things_text({declaration.model: declaration.things_among(person.pk, rows)})
    return things_text({declaration.model: known.get(declaration.model, [])})


def _read(
    person: Person, present: dict[str, int], with_records: bool, keys: dict[int, bytes] | None
) -> list[tuple[PersonalModel, list[models.Model]]]:
    """Her rows per model the census found her in (`_sources`), her identifiers decrypted with
    her key (`keys`, read once); with records, then the stores' rows naming her (sessions,
    tasks), found by what identifies her in those rows."""
    read = []
    for declaration, found in _sources(person.pk, present, with_records):
        found = _with_clock_relations(declaration, found.order_by("pk"))
        # Dates only (the client card): the ciphertext is not read, so not fetched.
        rows = list(found if with_records else found.defer(*declaration.encrypted))
        if keys is not None and has_identifier_fields(declaration.model_class):
            keys_for(rows, keys)
        read.append((declaration, rows))
    if with_records:
        texts = identifiers_from(person, {d.model: rows for d, rows in read}).search_texts()
        for store in stores() if texts else ():
            found = _with_clock_relations(store, store.rows_naming(texts).order_by("pk"))
            read.append((store, list(found)))
    return read


def holdings_of(
    person: Person,
    *,
    language: str = "sv",
    with_records: bool = True,
    staff_copy: bool = False,
    counted: bool = True,
    withhold_journal: bool = False,
) -> Holdings:
    """Every category held about the person with the policy facts, the things she would count
    in it (unless not `counted`: the client card wants dates only) and (`with_records`) her rows
    per model, for data.json and for reading (without them, `other` stays empty: _sources)."""
    policy = get_policy()
    keys = _her_key(person) if with_records else None
    row_options: dict[str, Any] = {
        "staff_copy": staff_copy,
        "withhold_journal": withhold_journal,
        "keys": keys,
    }
    held: dict[str, CategoryHeld] = {}
    result = Holdings([], {}, [])
    ends_by_category: dict[str, dict] = {}  # category -> rule id -> (rule, until)
    # One query: the tables holding her rows (the only ones read) and the things in them.
    present, known_things = census_things(person.pk) if counted else (census(person.pk), {})
    for declaration, rows in _read(person, present, with_records, keys):
        if not rows:
            continue
        records = None
        if with_records or not declaration.holdings:
            records = [serialise_row(person, declaration, r, **row_options) for r in rows]
        if not declaration.holdings and records is not None:
            result.other[declaration.model] = records
            group = group_for(declaration)
            group.rows = [
                readable_row(declaration, r, rec) for r, rec in zip(rows, records, strict=True)
            ]
            result.other_readable.append(group)
            continue
        things = _things(person, declaration, rows, known_things) if counted else []
        for holding in declaration.holdings:
            cid = holding.category
            entry = category_entry(held, policy, cid, language)
            if entry is None:
                continue
            entry.count += len(rows)
            entry.things += things
            ends_of = ends_by_category.setdefault(cid, {})
            _hold_rows(entry, policy, declaration, rows, ends_of, records)
    for cid, ends_of in ends_by_category.items():
        held[cid].until = [
            RuleEnd(rule, until, retention_sentence(policy, rule.id, language))
            for rule, until in ends_of.values()
        ]
    order = list(policy.categories)
    result.categories = sorted(held.values(), key=lambda c: order.index(c.id))
    return result


def person_holdings(
    person: Person, *, language: str = "sv", **options: bool
) -> tuple[list[CategoryHeld], dict[str, list[dict]]]:
    """(categories, other records): see `holdings_of` (with_records, staff_copy, counted)."""
    found = holdings_of(person, language=language, **options)
    return found.categories, found.other
