"""The data subject given by her id: where an app below `people` names a person (privacy's
agreements and legal holds), a foreign key to `people.Person` would tie it to a higher layer
(issue 18). `SubjectId` is a plain, indexed integer column in its place.

It keeps a foreign key's face: the column and attribute are `<name>_id`, the lookups `<name>`
and `<name>_id` both work, `row.<name>` reads her row (once, then kept on the row) and may be
set to a row or an id, and a backup names it as a foreign key did. What it does not do is tie
the rows to her in the database: the registry leads from the column to the subject's model
(`registry.field_at`, `lookup_q`), and her rows go where she goes (`registry.subject_dependants`:
the retention engine's set-based delete, and people's own deletes, take them along as the
foreign key's cascade did)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models

from consonance.privacy.registry import subject_declaration


def _cache_name(attname: str) -> str:
    return f"_{attname}_subject"


def _subject_property(attname: str) -> property:
    cache = _cache_name(attname)

    def read(row: models.Model) -> models.Model | None:
        pk = getattr(row, attname)
        found = row.__dict__.get(cache)
        if pk is None:
            return None
        if found is None or found.pk != pk:
            model = subject_declaration().model_class
            found = row.__dict__[cache] = model._default_manager.filter(pk=pk).first()
        return found

    def write(row: models.Model, value: Any) -> None:
        # A row (the subject herself) or her id, as a foreign key accepts (a backup's "person": 7).
        setattr(row, attname, getattr(value, "pk", value))
        row.__dict__.pop(cache, None)
        if isinstance(value, models.Model):
            row.__dict__[cache] = value

    return property(read, write)


class SubjectId(models.BigIntegerField):
    """The id of a data subject (`subject_declaration()`'s model), stored in `<name>_id`."""

    leads_to_subject = True  # the registry follows it to the subject's model

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("db_index", True)  # a foreign key's index: her rows by an indexed key
        super().__init__(*args, **kwargs)

    def get_attname(self) -> str:
        return f"{self.name}_id"

    def contribute_to_class(
        self, cls: type[models.Model], name: str, private_only: bool = False
    ) -> None:
        super().contribute_to_class(cls, name, private_only=private_only)
        setattr(cls, name, _subject_property(self.attname))


def subjects_read(rows: Iterable[models.Model], name: str = "person") -> list[models.Model]:
    """`rows` with their subject (`row.<name>`) read for all of them in one query, as
    `select_related` would."""
    rows = list(rows)
    attname = f"{name}_id"
    ids = {getattr(row, attname) for row in rows} - {None}
    found = subject_declaration().model_class._default_manager.in_bulk(ids) if ids else {}
    for row in rows:
        row.__dict__[_cache_name(attname)] = found.get(getattr(row, attname))
    return rows
