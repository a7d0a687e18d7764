"""Demo part of rights: a person who restricted processing (P27). The journal request and the
erasure receipt, which need apps above rights, are in web/demo.py."""

from __future__ import annotations

from consonance.audit.services import SYSTEM
from consonance.people.services import person_get_or_create
from consonance.rights.models import Restriction
from consonance.rights.services import restriction_start

RESTRICTED = ("nils.strand@example.se", "Nils", "Strand")


def load(out) -> None:
    person, _ = person_get_or_create(
        email=RESTRICTED[0], first_name=RESTRICTED[1], last_name=RESTRICTED[2], actor=SYSTEM
    )
    if not Restriction.objects.filter(person=person).exists():
        restriction_start(person=person, reason=Restriction.Reason.ACCURACY, actor=SYSTEM)
