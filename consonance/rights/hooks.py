"""What the rights app tells the apps above it (newsletter, consent, booking...)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from consonance.lib.hooks import Hook
from consonance.people.models import Person


@dataclass(frozen=True)
class ConsentChange:
    person: Person
    consent: str  # e.g. "newsletter"
    actor: str


@dataclass(frozen=True)
class ObjectionMade:
    person: Person
    kind: str  # Objection.Kind
    actor: str


#: A data subject withdrew a consent (P9). The handler that holds the consent returns True when it
#: ended something, False when nothing was active; others return None.
consent_withdrawn: Hook[ConsentChange] = Hook("rights.consent_withdrawn")

#: A data subject objected (P28); to direct marketing, the newsletter unsubscribes her.
objection_made: Hook[ObjectionMade] = Hook("rights.objection_made")


@dataclass(frozen=True)
class HeldConsent:
    consent: str
    since: datetime


#: Which consents does a person hold now? Each handler returns a list of HeldConsent.
consents_held: Hook[Person] = Hook("rights.consents_held")
