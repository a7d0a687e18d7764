"""Writes to people: one atomic function per change, each with its audit row."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from consonance.audit.services import audit_append
from consonance.lib.text import normalise_email
from consonance.people import hooks
from consonance.people.models import Person


def person_get_or_create(
    *,
    email: str,
    first_name: str,
    last_name: str,
    language: str = "sv",
    actor: str,
    proven: bool = True,
) -> tuple[Person, bool]:
    """The person with this address, created if new. A known person's latest contact (the clock
    of her contact details, P10) moves only when `proven`: the address was shown to be hers (a
    code or link she followed, the coach's own entry). Anyone can type her address into a form,
    and a stranger must not keep her data alive that way (finding 11, issue 21): such callers
    pass `proven=False` and move the clock later, on proof (`person_contacted`)."""
    with transaction.atomic():
        person, created = Person.objects.select_for_update().get_or_create(
            email=normalise_email(email),
            defaults={
                "first_name": first_name.strip(),
                "last_name": last_name.strip(),
                "language": language,
            },
        )
        if created:
            # Rows naming her address without a link are hers (issue 19): counted in the row.
            linked = sum(n or 0 for n in hooks.person_created.collect(person))
            audit_append(
                actor=actor,
                action="person.created",
                subject_id=person.pk,
                category="contact_details",
                detail={"rows_linked": linked} if linked else None,
            )
        elif proven:
            person_contacted(person.pk)
    return person, created


def person_contacted(person_id: int) -> None:
    """She was in touch, proven (a paid booking, the coach's reply): her latest contact is now."""
    Person.objects.filter(pk=person_id).update(last_contact_at=timezone.now())


def person_noted(person_id: int, at: dt.datetime) -> None:
    """The coach wrote in her journal at `at`: the journal's clock (P15) starts again from it."""
    Person.objects.filter(pk=person_id).filter(
        Q(last_note_at__isnull=True) | Q(last_note_at__lt=at)
    ).update(last_note_at=at)


def person_update(*, person: Person, actor: str, **changes: str) -> Person:
    """Rectification (P25): change names or address; the audit row names fields, not values."""
    allowed = {"first_name", "last_name", "email", "language"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"cannot change {', '.join(sorted(unknown))}")
    if "email" in changes:
        changes["email"] = normalise_email(changes["email"])
    changed = sorted(k for k, v in changes.items() if getattr(person, k) != v)
    if not changed:
        return person
    with transaction.atomic():
        for key in changed:
            setattr(person, key, changes[key])
        person.save(update_fields=changed)
        audit_append(
            actor=actor,
            action="person.updated",
            subject_id=person.pk,
            category="contact_details",
            detail={"fields": changed},
        )
    return person
