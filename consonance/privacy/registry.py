"""The registry of personal data: what each model holds about people, declared next to the model.

Every app lists its models in `personal_data.py` as `PERSONAL_DATA = [PersonalModel(...), ...]`.
A declaration says, for one model:
- `subject`: the path from a row to its data subject's Person ("" when the row *is* the Person,
  "person" for a foreign key, "order__person" through another model); in an app below `people`
  it ends in her id, a `privacy.subject.SubjectId` column, since no key may point up at her;
- `holdings`: which fields hold which category of the policy, and for each retention event the
  policy uses for that category, the field (or path) holding the timestamp that starts the clock;
- `identifiers`: fields that identify the person directly (e-mail, names, phone), searched by the
  erasure verifier;
- `normalise`: for each identifier, the function that brings a value to the form it is compared
  in (`normalise_email` for addresses, `normalise_name` for names and street addresses,
  `normalise_phone` for phone numbers), so that a lookup or a blind index built from it finds
  "Asa@Example.se " and "asa@example.se" alike; a system check (E013) asks it of every one;
- `not_personal`: every other field, so that a new field must be classified before start-up;
- `encrypted`: for each field holding ciphertext, the encryption context (the associated data) it
  was encrypted with, so that export and verification decrypt it without guessing;
- `things`: what a person recognises in the rows, to count them as she would ("1 beställning",
  "2 bokningar"), not as rows: an order's events and billing details are part of the order;
- `readable`: how her readable copy (the export's HTML) shows the rows: a heading, the fields a
  person reads with their labels, coded values in words; every other field is for machines only;
- `scrub`: fields that may carry links acting on her behalf (signed cancellation, reschedule,
  sign-in or unsubscribe links), with the function that removes them: they are capabilities, not
  data, and no copy of her data carries them.
A model that holds nothing about people is named in the module's `NOT_PERSONAL` mapping, with the
reason, so that it too was looked at by someone.
Retention, access, erasure, the policy page and the register of processing all read from here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone

from consonance.lib.apps import app_modules
from consonance.lib.text import normalise_email


@dataclass(frozen=True, slots=True)
class Holding:
    category: str
    fields: tuple[str, ...]
    clocks: dict[str, str] = field(default_factory=dict)  # event id -> timestamp field path


@dataclass(frozen=True, slots=True)
class Thing:
    """Something a person recognises among a model's rows: `noun` is an `ngettext_lazy(singular,
    plural, "count")` with a `%(count)d` placeholder; the rows counted are those matching `where`
    (ORM lookups; every row when empty), e.g. the current versions of her journal notes."""

    noun: Any
    where: dict[str, Any] = field(default_factory=dict)

    def text(self, count: int) -> str:
        return str(self.noun % {"count": count})


@dataclass(frozen=True, slots=True)
class Readable:
    """How her readable copy shows a model's rows: a `heading`, and in order the fields (or model
    attributes) she reads, with their labels (lazy texts). `values`: coded values in words, per
    field; `readers`: per field, a function from the exported value to the text shown."""

    heading: Any
    labels: dict[str, Any]
    values: dict[str, dict[Any, Any]] = field(default_factory=dict)
    readers: dict[str, Callable[[Any], str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PersonalModel:
    model: str  # "app_label.ModelName"
    subject: str
    holdings: tuple[Holding, ...]
    identifiers: tuple[str, ...] = ()
    normalise: dict[str, Callable[[str], str]] = field(default_factory=dict)  # identifier -> fn
    not_personal: tuple[str, ...] = ()
    encrypted: dict[str, str] = field(default_factory=dict)  # field -> encryption context
    # Fields encrypted in the person's own browser: the server cannot read them, and a copy made
    # for anyone but her shows only that they exist, so no staff export tells whether they changed.
    sealed: tuple[str, ...] = ()
    things: tuple[Thing, ...] = ()
    readable: Readable | None = None
    scrub: dict[str, Callable[[Any], Any]] = field(default_factory=dict)

    @property
    def model_class(self) -> type[models.Model]:
        return apps.get_model(self.model)

    @property
    def personal_fields(self) -> tuple[str, ...]:
        return tuple(name for holding in self.holdings for name in holding.fields)

    def holding(self, category: str) -> Holding | None:
        return next((h for h in self.holdings if h.category == category), None)

    def subject_lookup(self, suffix: str = "id") -> str:
        """The ORM lookup from this model to the Person's `suffix` field."""
        if suffix == "id" and self.subject and _leads_to_subject(self._subject_field()):
            return self.subject  # the column holds her id
        return f"{self.subject}__{suffix}" if self.subject else suffix

    def _subject_field(self) -> models.Field | None:
        return field_at(self.model_class, self.subject)

    def rows_for(self, person_id: int) -> models.QuerySet:
        """This model's rows about one person, through the subject path (an indexed key)."""
        return self.model_class._default_manager.filter(**{self.subject_lookup(): person_id})

    def thing_counts(self, person_id: int) -> list[int]:
        """How many of each of `things` these rows hold about one person, in their order."""
        return [self.rows_for(person_id).filter(**t.where).count() for t in self.things]

    def things_among(self, person_id: int, rows: list) -> list[int]:
        """`thing_counts`, for a person whose `rows` of this model are already read."""
        return self.thing_counts(person_id)

    def clock_relations(self) -> tuple[str, ...]:
        """The forward relations the holdings' clocks are read through (`person` for
        `person__last_contact_at`), for `select_related`: one join, not one query per row."""
        found = []
        for holding in self.holdings:
            for path in holding.clocks.values():
                hops, current = path.split("__")[:-1], self.model_class
                for index, hop in enumerate(hops):
                    f = current._meta.get_field(hop)
                    if not (f.many_to_one or f.one_to_one) or not f.concrete:
                        break
                    found.append("__".join(hops[: index + 1]))
                    current = f.related_model  # type: ignore[assignment]
        return tuple(dict.fromkeys(found))

    def encryption_context(self, name: str) -> str:
        """The context (associated data) the ciphertext field `name` is encrypted with."""
        try:
            return self.encrypted[name]
        except KeyError:
            raise LookupError(f"{self.model}.{name} declares no encryption context") from None


@dataclass(frozen=True, slots=True)
class PersonalStore(PersonalModel):
    """A framework's table whose rows name a person only inside an encoded value (Django's
    sessions, the task queue): no column leads to her, so her rows are found by reading them.

    `find(texts)` returns the rows whose content holds one of `texts` (her addresses and full
    names, lower-cased). Stores are listed in a module's `PERSONAL_STORES` and reached through
    `stores()`: the retention engine deletes their rows by the holding's clock; export, erasure
    and the residue scan find hers with `find`. `subject` stays "" (there is no path)."""

    find: Callable[[set[str]], models.QuerySet] | None = None

    def things_among(self, person_id: int, rows: list) -> list[int]:
        """Her rows are hers by their content, not by a key: each is one thing she recognises."""
        return [len(rows)] * len(self.things)

    def rows_naming(self, texts: set[str]) -> models.QuerySet:
        assert self.find is not None, f"{self.model} declares no finder"
        return self.find({t.lower() for t in texts if t})


@cache
def registry() -> tuple[PersonalModel, ...]:
    """Every declaration of every installed Consonance app, in app order."""
    return tuple(
        d for module in app_modules("personal_data") for d in getattr(module, "PERSONAL_DATA", ())
    )


@cache
def stores() -> tuple[PersonalStore, ...]:
    """Every store of every installed Consonance app (see PersonalStore)."""
    return tuple(
        d for module in app_modules("personal_data") for d in getattr(module, "PERSONAL_STORES", ())
    )


def stores_holding(category: str) -> list[PersonalStore]:
    return [store for store in stores() if store.holding(category) is not None]


@cache
def not_personal() -> dict[str, str]:
    """Models declared to hold no personal data, with the reason."""
    return {
        k: v
        for module in app_modules("personal_data")
        for k, v in getattr(module, "NOT_PERSONAL", {}).items()
    }


def models_holding(category: str) -> list[tuple[PersonalModel, Holding]]:
    return [
        (declaration, holding)
        for declaration in registry()
        for holding in declaration.holdings
        if holding.category == category
    ]


def project_models() -> list[type[models.Model]]:
    """Concrete models of Consonance's own apps: the ones that must be declared."""
    return [
        model
        for app in apps.get_app_configs()
        if app.name.startswith("consonance.")
        for model in app.get_models()
        if not model._meta.abstract and not model._meta.proxy
    ]


def declaration_for(model: type[models.Model]) -> PersonalModel | None:
    label = model._meta.label
    return next((d for d in registry() if d.model == label), None)


def context_of(model: type[models.Model], name: str) -> str:
    """The encryption context the registry declares for `model`'s ciphertext field `name`: the
    one source for writers and readers alike (`person_encrypt(..., context=context_of(Note,
    "body_ciphertext"))`), so that export decrypts with exactly what was written."""
    declaration = declaration_for(model)
    if declaration is None:
        raise LookupError(f"{model._meta.label} is not declared in the registry")
    return declaration.encryption_context(name)


def things_text(counts: dict[str, list[int]]) -> list[str]:
    """Counts per model label, aligned with each declaration's `things`, as a person reads
    them ("1 beställning", "2 betalningar"), in the active language; zeros left out."""
    texts = []
    for declaration in registry():  # in the registry's order, whatever order they came in
        numbers = counts.get(declaration.model, ())
        texts += [t.text(n) for t, n in zip(declaration.things, numbers, strict=False) if n]
    return texts


# -- the roads to a person's rows -----------------------------------------------------------------
# Retention, the checks, export and erasure reach personal data through these helpers only.


def subject_declaration() -> PersonalModel:
    """The declaration of the data subject's own model (subject path "")."""
    return next(d for d in registry() if not d.subject)


def subject_by_email(email: str) -> models.Model | None:
    """The data subject with this address (normalised, exact, indexed), or None."""
    model = subject_declaration().model_class
    return model._default_manager.filter(email=normalise_email(email)).first()


def _leads_to_subject(found: Any) -> bool:
    """Whether `found` is a column holding a data subject's id (privacy.subject.SubjectId)."""
    return bool(getattr(found, "leads_to_subject", False))


def field_at(model: type[models.Model], path: str) -> models.Field | None:
    """The field at the end of a `__` path of relations from `model`; None when the path breaks.
    A subject's id (`SubjectId`) leads on to the subject's model, as a foreign key would."""
    current = model
    parts = path.split("__")
    for index, part in enumerate(parts):
        try:
            found = current._meta.get_field(part)
        except FieldDoesNotExist:
            return None
        if index == len(parts) - 1:
            return found  # type: ignore[return-value]
        if _leads_to_subject(found):
            current = subject_declaration().model_class
            continue
        if not found.is_relation or found.related_model is None:
            return None
        current = found.related_model  # type: ignore[assignment]
    return None


def lookup_q(model: type[models.Model], lookup: str, value: Any) -> Q:
    """`Q(**{lookup: value})`, where a first hop through a subject's id (`person__last_contact_at
    __lt` on a `SubjectId`) becomes a sub-query on the subject's model: there is no join."""
    head, _, rest = lookup.partition("__")
    try:
        found = model._meta.get_field(head)
    except FieldDoesNotExist:
        return Q(**{lookup: value})
    if not _leads_to_subject(found):
        return Q(**{lookup: value})
    subject = subject_declaration().model_class
    if field_at(subject, rest.split("__")[0]) is None:
        return Q(**{lookup: value})  # her id itself (`person__isnull`, `person__in`)
    return Q(**{f"{head}__in": subject._default_manager.filter(**{rest: value}).values("pk")})


def through_subject(model: type[models.Model], path: str) -> bool:
    """Whether the field path `path` goes through a subject's id (no join can follow it)."""
    head = path.split("__")[0]
    try:
        return "__" in path and _leads_to_subject(model._meta.get_field(head))
    except FieldDoesNotExist:
        return False


def path_value(model: type[models.Model], path: str) -> Any:
    """An expression for the value at `path`: `F(path)`, or through a subject's id, the value
    read from her row by a sub-query."""
    if not through_subject(model, path):
        return F(path)
    head, _, rest = path.partition("__")
    subject = subject_declaration().model_class._default_manager
    return Subquery(subject.filter(pk=OuterRef(head)).values(rest)[:1])


def subject_dependants(model: type[models.Model]) -> tuple[tuple[type[models.Model], str], ...]:
    """The models naming the subject by id (declarations whose subject is a `SubjectId`), with
    that field's name, when `model` is the subject's model; none otherwise. Her rows of them go
    with her, as a foreign key's cascade would take them."""
    if not registry() or model is not subject_declaration().model_class:
        return ()
    return tuple(
        (d.model_class, d.subject)
        for d in registry()
        if d.subject and "__" not in d.subject and _leads_to_subject(d._subject_field())
    )


def subject_dependants_delete(pks: Any) -> dict[str, int]:
    """Delete the subject's rows of her dependants (`subject_dependants`) for the subjects with
    these keys (a list or a sub-select): {label: rows}, those with none left out."""
    found: dict[str, int] = {}
    for model, name in subject_dependants(subject_declaration().model_class):
        _total, per_model = model._base_manager.filter(**{f"{name}__in": pks}).delete()
        found.update({label: n for label, n in per_model.items() if n})
    return found


def value_at(row: models.Model, path: str) -> Any:
    """The value at the end of a `__` path of attributes from `row` (None when a link is empty)."""
    value: Any = row
    for part in path.split("__"):
        value = getattr(value, part, None)
        if value is None:
            return None
    return value


def as_datetime(value: Any) -> dt.datetime | None:
    """A clock value as an aware datetime (date fields count from midnight UTC)."""
    if isinstance(value, dt.datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value, dt.UTC)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    return None


def clock_value(row: models.Model, path: str) -> dt.datetime | None:
    """When a retention clock started for `row`: the timestamp at `path`, as an aware datetime."""
    return as_datetime(value_at(row, path))
