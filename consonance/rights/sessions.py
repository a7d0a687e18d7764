"""Privacy actions that respect bookings (P13, P26, P27): before an erasure or a restriction, a
person with upcoming booked sessions chooses to keep them until they have taken place, or to
cancel them under the service's rules. The coach is told either way; nothing is dropped silently.

Keeping them defers the erasure: an open erasure request waits, and the periodic job
`rights-deferred-erasures` erases her once no session is left ahead and no refund is open (or the
coach does it before the request's deadline). A refund still on its way defers it the same way.
When the erasure then cannot finish (the verifier finds something left), the coach is told why,
in words, by mail and on her overview (issue 17: it used to roll back in silence).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from consonance.audit.services import SYSTEM, audit_append
from consonance.lib.urls import absolute_reverse
from consonance.mail.outbox import mail_queue
from consonance.people.models import Person
from consonance.privacy.policy import get_policy
from consonance.privacy.registry import registry
from consonance.rights import hooks
from consonance.rights.erasure import ErasureFailed, person_erase
from consonance.rights.models import ErasureReceipt, Request
from consonance.rights.residue import Finding
from consonance.rights.services import request_record

log = logging.getLogger(__name__)

DEFERRED = "radering efter bokade samtal"  # the note of a deferred erasure request


def sessions_of(person: Person) -> list[hooks.HeldSession]:
    """Her upcoming sessions, labelled in the active language."""
    return [s for found in hooks.sessions_held.collect(person) for s in (found or [])]


def _for_coach(person: Person) -> list[hooks.HeldSession]:
    with translation.override("sv"):
        return sessions_of(person)


def refunds_waiting(person: Person) -> bool:
    return any(hooks.refunds_open.collect(person))


def unpaid_of(person: Person, *, done: bool = False) -> list[str]:
    """Her unpaid reservations, a line each in the active language, with the invoice she must
    then not pay: for the erasure page (what will happen) or, `done`, the receipt (what did)."""
    found = [r for got in hooks.unpaid_reservations.collect(person) for r in (got or [])]
    ids = tuple(r.order_id for r in found if r.order_id)
    invoices: dict[int, str] = {}
    for got in hooks.invoices_of.collect(ids) if ids else []:
        invoices.update(got or {})
    lines = []
    for reservation in found:
        invoice = invoices.get(reservation.order_id or 0)
        if done:
            line = _("%(reservation)s: inte betald, reservationen togs bort.")
        else:
            line = _("%(reservation)s: inte betald, reservationen tas bort.")
        line %= {"reservation": reservation.label}
        if invoice:
            line += " " + _("Betala inte faktura %(invoice)s; den gäller inte längre.") % {
                "invoice": invoice
            }
        lines.append(line)
    return lines


def sessions_cancel(person: Person, actor: str) -> list[str]:
    """Cancel her upcoming sessions under the service's rules; a line per session."""
    asked = hooks.SessionsCancel(person=person, actor=actor)
    return [line for found in hooks.sessions_cancel.collect(asked) for line in (found or [])]


def coach_tell(*, action: str, kept: list[hooks.HeldSession], cancelled: list[str]) -> None:
    """A short note to the coach, without the client's name (she may be erased by now)."""
    mail_queue(
        to=settings.CONSONANCE_STAFF_EMAIL or settings.DEFAULT_FROM_EMAIL,
        template="rights_sessions_coach",
        context={
            "action": action,
            "kept": [s.label for s in kept],
            "cancelled": cancelled,
            "url": absolute_reverse("rights_staff:index"),
        },
        language="sv",
    )


def erase_with_sessions(*, person: Person, choice: str, actor: str) -> ErasureReceipt | Request:
    """Erase her now, or defer the erasure: until her kept sessions are over, or until the money
    of cancelled ones is back with her (erasing her orders now would drop their refunds).

    Returns the receipt of the erasure, or the open request when it is deferred. Raises
    ErasureFailed (nothing committed, her sessions not cancelled) when the verifier finds residue.
    """
    with transaction.atomic():
        held = sessions_of(person)
        unpaid = unpaid_of(person, done=True)  # removed with her: named on her receipt
        if held and choice == "keep":
            coach_tell(action="erase_later", kept=_for_coach(person), cancelled=[])
            kept = [
                _("%(session)s: stod kvar tills samtalet hade ägt rum") % {"session": s.label}
                for s in held
            ]
            return _defer(person, actor, kept + unpaid)
        cancelled = sessions_cancel(person, actor) if held else []
        if refunds_waiting(person):
            coach_tell(action="erase_after_refund", kept=[], cancelled=cancelled)
            return _defer(person, actor, cancelled + unpaid)
        receipt = person_erase(person=person, actor=actor, sessions=cancelled + unpaid)
        if cancelled:
            coach_tell(action="erased", kept=[], cancelled=cancelled)
    return receipt


def _defer(person: Person, actor: str, sessions: list[str]) -> Request:
    """An open erasure request that remembers, for the receipt, what became of her sessions."""
    return request_record(
        person=person,
        kind=Request.Kind.ERASURE,
        actor=actor,
        done=False,
        note=DEFERRED,
        sessions=sessions,
    )


def restrict_with_sessions(*, person: Person, choice: str, actor: str) -> list[str]:
    """Before a restriction: cancel her sessions, or keep them and tell the coach."""
    held = sessions_of(person)
    if not held:
        return []
    if choice == "keep":
        coach_tell(action="restricted_kept", kept=_for_coach(person), cancelled=[])
        return []
    cancelled = sessions_cancel(person, actor)
    coach_tell(action="restricted_cancelled", kept=[], cancelled=cancelled)
    return cancelled


def deferred_erasures_run(*, now=None) -> int:
    """Erase everyone whose deferred erasure waits for sessions that are now all over."""
    now = now or timezone.now()
    erased = 0
    waiting = Request.objects.filter(
        kind=Request.Kind.ERASURE, state=Request.State.OPEN, note=DEFERRED, person__isnull=False
    ).select_related("person")
    for request in list(waiting):
        person = request.person
        if person is None or sessions_of(person) or refunds_waiting(person):
            continue
        try:
            person_erase(
                person=person, actor=SYSTEM, via="after-sessions", sessions=request.sessions
            )
        except ErasureFailed as failed:
            log.error("deferred erasure of person %s rolled back", person.pk)
            stalled_tell(request, stall_reason(failed.findings))
            continue
        erased += 1
    return erased


def stall_reason(findings: list[Finding]) -> str:
    """What kept the erasure from finishing, in words for the coach (Swedish, as her notices):
    the kinds of data found, never whose."""
    policy = get_policy()
    kinds: list[str] = []
    with translation.override("sv"):
        for finding in findings:
            declaration = next((d for d in registry() if d.model == finding.model), None)
            names = (
                [policy.categories[h.category].name.get("sv") for h in declaration.holdings]
                if declaration and declaration.holdings
                else [_("en kopia i en inloggning eller ett bakgrundsjobb")]
            )
            kinds += [name.lower() for name in names if name.lower() not in kinds]
        return (
            _(
                "Raderingen kunde inte slutföras: kontrollen efteråt hittade uppgifter som "
                "fortfarande hör till klienten (%(kinds)s). Ingenting raderades, och systemet "
                "försöker igen varje timme."
            )
            % {"kinds": ", ".join(kinds)}
        )[:300]


def stalled_tell(request: Request, reason: str) -> None:
    """Keep the reason on the request (her overview shows it) and mail the coach, once per reason."""
    if request.stalled == reason:
        return
    with transaction.atomic():
        request.stalled = reason
        request.save(update_fields=["stalled"])
        audit_append(
            actor=SYSTEM,
            action="rights.erasure_stalled",
            subject_id=request.person_id,
            detail={"request": request.pk},
        )
        mail_queue(
            to=settings.CONSONANCE_STAFF_EMAIL or settings.DEFAULT_FROM_EMAIL,
            template="rights_erasure_stalled",
            context={"reason": reason, "url": absolute_reverse("rights_staff:index")},
            language="sv",
        )
