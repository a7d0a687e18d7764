"""What the rights app tells the apps above it (newsletter, consent, booking...)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from consonance.lib.hooks import Hook
from consonance.people.models import Person
from consonance.rights.models import ErasureReceipt


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
consent_withdrawn: Hook[ConsentChange, bool | None] = Hook(
    "rights.consent_withdrawn", when="a person withdrew a consent (P9); the app holding it ends it"
)

#: A data subject objected (P28); to direct marketing, the newsletter unsubscribes her.
objection_made: Hook[ObjectionMade, None] = Hook(
    "rights.objection_made", when="a person objected (P28)"
)


@dataclass(frozen=True)
class HeldConsent:
    consent: str
    since: datetime


#: Which consents does a person hold now? Each handler returns a list of HeldConsent.
consents_held: Hook[Person, list[HeldConsent]] = Hook(
    "rights.consents_held", when="the privacy center asks which consents a person holds"
)


@dataclass(frozen=True)
class NotesAsk:
    """The privacy center asks for the journal notes to show or export to `person` (P15)."""

    person: Person
    actor: str  # who reads: "person:<id>" for her own view or export
    purpose: str  # "view" (the privacy center) or "export" (her ZIP)


@dataclass(frozen=True)
class ShownNote:
    at: datetime
    kind: str  # "note", "message_in", "message_out"
    text: str | None  # None: no longer readable (her key is destroyed)
    version: int
    signed_at: datetime | None
    superseded_at: datetime | None  # an earlier version, kept and shown struck through


#: Which journal notes to show this person? Each handler returns a list of ShownNote and logs
#: the access in the journal's own access log. The rights app never reads the journal itself.
journal_notes_shown: Hook[NotesAsk, list[ShownNote]] = Hook(
    "rights.journal_notes_shown", when="her request to see or export her journal notes"
)

#: The person's journal notes were deleted on her request (P15): the journal logs the deletion.
journal_notes_erased: Hook[NotesAsk, None] = Hook(
    "rights.journal_notes_erased", when="her journal notes were erased on her request"
)


@dataclass(frozen=True)
class HeldSession:
    """An upcoming session she has booked (and paid): erasure and restriction ask her first."""

    label: str  # the service and its time, in her language
    ends_at: datetime
    refund: str  # what cancelling it now gives back, formatted ("900,00 kr"); "" for nothing


#: Which upcoming booked sessions has this person? Each handler returns a list of HeldSession.
sessions_held: Hook[Person, list[HeldSession]] = Hook(
    "rights.sessions_held", when="an erasure or restriction asks which upcoming sessions she has"
)


@dataclass(frozen=True)
class SessionsCancel:
    person: Person
    actor: str


#: She chose to cancel her upcoming sessions (before an erasure or a restriction): the handler
#: cancels them under the service's rules and returns, per session, a line saying what happened.
sessions_cancel: Hook[SessionsCancel, list[str]] = Hook(
    "rights.sessions_cancel", when="she chose to cancel her upcoming sessions; a line per session"
)


#: Does money still wait to go back to this person? Each handler returns how many refunds are
#: open: an erasure waits for them (erasing her orders would drop the refunds with them).
refunds_open: Hook[Person, int] = Hook(
    "rights.refunds_open", when="an erasure asks whether money still waits to go back to her"
)


@dataclass(frozen=True)
class RecipientUse:
    """A sub-processor or other recipient that received her data, and when (Art. 15.1 c)."""

    recipient: str  # a recipient id of the policy file ("stripe", "zoom", "fortnox"...)
    first: datetime
    last: datetime


#: Which recipients actually received this person's data, from what happened (her payments, her
#: Zoom meetings, vouchers posted to Fortnox...)? Each handler returns a list of RecipientUse;
#: the rights app merges them per recipient (earliest first, latest last).
recipients_of: Hook[Person, list[RecipientUse]] = Hook(
    "rights.recipients_of", when="her page asks which recipients received her data, and when"
)


@dataclass(frozen=True)
class UnpaidReservation:
    """A time she reserved and has not paid for: her erasure removes it (it is no booking yet),
    so the erasure page and the receipt name it, and the invoice she must then not pay."""

    label: str  # the service and its time, in her language
    order_id: int | None


#: Which unpaid reservations has this person? Each handler returns a list of UnpaidReservation.
unpaid_reservations: Hook[Person, list[UnpaidReservation]] = Hook(
    "rights.unpaid_reservations", when="an erasure asks for her unpaid reservations, to name them"
)

#: Which invoices were issued for these orders? Each handler returns {order id: "F2026-6"}.
invoices_of: Hook[tuple[int, ...], dict[int, str]] = Hook(
    "rights.invoices_of", when="an erasure asks for the invoices of her unpaid reservations"
)


#: An erasure was written to the erasure ledger (rights/ledger.py): the ledger's copy off the
#: machine catches up after the commit (operations).
erasure_recorded: Hook[ErasureReceipt, None] = Hook(
    "rights.erasure_recorded", when="an erasure was written to the erasure ledger"
)


@dataclass(frozen=True)
class BackupsUntil:
    """When the last copy taken before an erasure is deleted, of the data backups and of the key
    backups (None: no such copy holds her)."""

    backups: datetime | None
    keys: datetime | None


#: Until when do backups hold a person erased at this time? The first answer (operations, from
#: every copy listed) is her receipt's; without one, no backup is named.
backups_until: Hook[datetime, BackupsUntil] = Hook(
    "rights.backups_until", when="her erasure receipt asks until when backups hold her"
)
