"""Her own row in an erasure (erasure.py): locked first, with her key read once for all of it;
deleted last, after every row about her was erased or unlinked: one planned statement checks
that nothing points at her any more, then one DELETE takes her row, instead of Django's
collector asking every related table again."""

from __future__ import annotations

from functools import cache

from django.db import connection
from django.db.models import signals
from django.db.models.deletion import get_candidate_relations_to_delete

from consonance.people.keys import keys_for, person_keys
from consonance.people.models import Person
from consonance.privacy.registry import subject_dependants_delete


@cache
def _references_plan(vendor: str) -> str | None:
    """One statement, planned once per process: whether any row still points at a person by a
    foreign key (every relation Django's delete would follow, hidden ones too), one indexed
    EXISTS per relation. None when deleting a person needs Django's collector anyway (signal
    receivers, a parent model, generic relations, a key to a field other than hers)."""
    del vendor  # the cache key
    meta = Person._meta
    if meta.parents or meta.private_fields or meta.many_to_many:
        return None
    if any(s.has_listeners(Person) for s in (signals.pre_delete, signals.post_delete)):
        return None
    tests = []
    for rel in get_candidate_relations_to_delete(meta):  # type: ignore[arg-type]
        f = rel.field  # type: ignore[attr-defined]
        if not f.target_field.primary_key or rel.related_model is None:
            return None
        table, column = rel.related_model._meta.db_table, f.column
        tests.append(f'SELECT 1 FROM "{table}" WHERE "{column}" = %s')  # noqa: S608
    return " UNION ALL ".join(tests) if tests else None


def person_row_delete(person_id: int) -> None:
    """Delete her row. Her rows of every model were erased or unlinked before; when one
    indexed statement confirms that nothing points at her any more, her row goes in one DELETE
    (with her rows naming her by id only); otherwise Django's delete follows every relation."""
    sql = _references_plan(connection.vendor)
    if sql is not None:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT EXISTS ({sql})", [person_id] * sql.count("%s"))
            referenced = cursor.fetchone()[0]
        if not referenced:
            subject_dependants_delete([person_id])
            with connection.cursor() as cursor:
                table, pk = Person._meta.db_table, Person._meta.pk.column
                cursor.execute(f'DELETE FROM "{table}" WHERE "{pk}" = %s', [person_id])  # noqa: S608
            return
    Person.objects.filter(pk=person_id).delete()


def person_row_locked(person_id: int) -> tuple[Person, dict[int, bytes]]:
    """Her row, locked for the erasure, and her key, read once for all of it (not kept after)."""
    person = Person.objects.select_for_update().get(pk=person_id)
    keys = person_keys([person_id])
    keys_for([person], keys)
    return person, keys
