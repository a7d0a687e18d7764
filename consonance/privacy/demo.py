"""Demo part of privacy: a client whose journal is kept longer by agreement (P15, /staff/retention/)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from consonance.audit.services import SYSTEM, audit_append
from consonance.journal.models import Note
from consonance.people.keys import person_encrypt
from consonance.people.models import Person
from consonance.privacy.services import agreement_create

EMAIL = "lena.ek@example.se"


def load(out) -> None:
    now = timezone.now()
    # Her latest consultation was 23 months ago: without the agreement her notes would go within
    # a month (the dashboard's forecast shows what the agreement holds back).
    person, created = Person.objects.get_or_create(
        email=EMAIL,
        defaults={
            "first_name": "Lena",
            "last_name": "Ek",
            "last_contact_at": now - dt.timedelta(days=700),
            "last_consultation_at": now - dt.timedelta(days=700),
            "created_at": now - dt.timedelta(days=900),
        },
    )
    if not created:
        return
    audit_append(
        actor=SYSTEM, action="person.created", subject_id=person.pk, category="contact_details"
    )
    Note.objects.create(
        person=person,
        created_at=now - dt.timedelta(days=700),
        body_ciphertext=person_encrypt(person, "Fiktiv anteckning för demon.", context="note"),
    )
    agreement_create(
        person=person,
        rule_id="journal-2y",
        until=timezone.localdate() + dt.timedelta(days=365),
        reason="Lena vill att anteckningarna sparas till nästa kursomgång (fiktivt exempel).",
        actor=SYSTEM,
    )
    out.write(
        "Retention: an agreement keeps Lena Ek's journal one more year (/staff/retention/).\n"
    )
