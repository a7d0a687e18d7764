"""Writes of the rights app: one atomic, audited function per change (P24-P29, P15).

Mail: while a person's processing is restricted her address is on the mail suppression list, so
nothing reaches her — except messages about her rights requests themselves (the sign-in link of
the privacy center, the coach's replies about the request), which are queued with
`bypass_suppression=True` only while the restriction is in force (`rights_mail_bypass`).
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from consonance.audit.services import SYSTEM, audit_append
from consonance.lib.text import normalise_email
from consonance.lib.urls import absolute_reverse
from consonance.mail.outbox import (
    address_hash,
    mail_is_suppressed,
    mail_queue,
    mail_readdress,
    mail_suppress,
    mail_unsuppress,
)
from consonance.people.models import Person
from consonance.people.selectors import person_by_email
from consonance.people.services import person_update
from consonance.privacy.policy import get_policy
from consonance.privacy.registry import models_holding
from consonance.rights import hooks
from consonance.rights.models import Objection, PreviousAddress, Request, Restriction
from consonance.rights.selectors import person_is_restricted
from consonance.rights.tokens import (
    LINK_MAX_AGE,
    address_from_token,
    link_from_token,
    link_token,
)

SIGNIN_NOTE = "självservice"
JOURNAL_KINDS = {Request.Kind.JOURNAL_ACCESS, Request.Kind.JOURNAL_DELETION}


class RightsError(Exception):
    """A request that cannot be carried out; the message is safe to show (no personal data)."""


def deadline_due(deadline_id: str, received_at: dt.datetime) -> dt.datetime:
    """When a request received at `received_at` must be handled, from the policy's deadline."""
    return get_policy().deadlines[deadline_id].duration.after(received_at)


def deadline_for(kind: str) -> str:
    return "journal-request" if kind in JOURNAL_KINDS else "rights-request"


def request_record(
    *,
    person: Person | None,
    kind: str,
    actor: str,
    done: bool = True,
    note: str = "",
    sessions: list[str] | None = None,
) -> Request:
    """Record a request. Self-service ones are done at once (for the audit trail); the ones the
    coach must carry out stay open with the deadline of the policy."""
    now = timezone.now()
    deadline = deadline_for(kind)
    with transaction.atomic():
        request = Request.objects.create(
            kind=kind,
            person=person,
            received_at=now,
            deadline=deadline,
            due_at=deadline_due(deadline, now),
            state=Request.State.DONE if done else Request.State.OPEN,
            handled_at=now if done else None,
            note=note[:200],
            sessions=list(sessions or []),
        )
        audit_append(
            actor=actor,
            action="rights.request_received",
            subject_id=person.pk if person else None,
            detail={"request": request.pk, "kind": kind, "state": request.state},
        )
    return request


def request_complete(
    *, request_id: int, actor: str, state: str = Request.State.DONE, note: str = ""
) -> Request:
    """The coach marks an open request done (or rejected, with a reason in `note`)."""
    if state not in (Request.State.DONE, Request.State.REJECTED):
        raise ValueError(f"bad state {state!r}")
    with transaction.atomic():
        request = Request.objects.select_for_update().get(pk=request_id)
        if request.state != Request.State.OPEN:
            return request
        request.state = state
        request.handled_at = timezone.now()
        if note:
            request.note = note[:200]
        request.save(update_fields=["state", "handled_at", "note"])
        audit_append(
            actor=actor,
            action="rights.request_handled",
            subject_id=request.person_id,
            detail={
                "request": request.pk,
                "kind": request.kind,
                "state": state,
                "late": request.handled_at > request.due_at,
            },
        )
    return request


def journal_notes_erase(*, request_id: int, actor: str) -> int:
    """Carry out a journal deletion request (P15): delete every row of the journal category
    about the person and mark the request done. Returns the number of rows deleted."""
    with transaction.atomic():
        request = Request.objects.select_for_update().get(pk=request_id)
        if request.kind != Request.Kind.JOURNAL_DELETION or request.person_id is None:
            raise RightsError("not an open journal deletion request")
        deleted = 0
        for declaration, _holding in models_holding("journal"):
            n = declaration.rows_for(request.person_id).count()
            if n:
                declaration.rows_for(request.person_id).delete()
                deleted += n
        if request.person is not None:
            hooks.journal_notes_erased.emit(
                hooks.NotesAsk(person=request.person, actor=actor, purpose="erase")
            )
        audit_append(
            actor=actor,
            action="journal.notes_erased",
            subject_id=request.person_id,
            category="journal",
            detail={"request": request.pk, "rows": deleted},
        )
        request_complete(request_id=request.pk, actor=actor)
    return deleted


def rights_mail_bypass(person_id: int | None) -> bool:
    """Whether a message *about her rights request* may pass the suppression list: only while
    her processing is restricted (an erased address has no Person and gets nothing)."""
    return person_is_restricted(person_id)


def rights_link_send(*, email: str, language: str = "sv") -> bool:
    """Send the privacy center's sign-in link if the address is known; the caller answers the
    same either way. Returns whether a link was queued (never shown to the visitor)."""

    person = person_by_email(email)
    if person is None:
        return False
    with transaction.atomic(), translation.override(language):
        # The token goes in the fragment: never sent to the server, so never in a log.
        url = absolute_reverse("rights:signin") + "#" + link_token(person)
        message = mail_queue(
            to=person.email,
            template="rights_link",
            context={"url": url, "minutes": LINK_MAX_AGE // 60},
            language=language,
            person_id=person.pk,
            bypass_suppression=rights_mail_bypass(person.pk),
        )
        if message is not None:
            audit_append(
                actor=SYSTEM,
                action="rights.link_sent",
                subject_id=person.pk,
                detail={"message": message.pk},
            )
    return message is not None


def rights_link_use(token: str) -> Person | None:
    """Follow a sign-in link once: the person it was made for, or None when it is expired,
    tampered with, stale, or already spent (a self-service sign-in happened after it was made,
    which also spends any older link). Records the access request that spends it."""
    link = link_from_token(token)
    if link is None:
        return None
    issued = dt.datetime.fromtimestamp(link.issued_at, tz=dt.UTC)
    with transaction.atomic():
        person = Person.objects.select_for_update().filter(pk=link.person.pk).first()
        if person is None:
            return None
        spent = Request.objects.filter(
            person=person, kind=Request.Kind.ACCESS, note=SIGNIN_NOTE, received_at__gte=issued
        ).exists()
        if spent:
            return None
        request_record(
            person=person, kind=Request.Kind.ACCESS, actor=f"person:{person.pk}", note=SIGNIN_NOTE
        )
    return person


def person_rectify(
    *, person: Person, actor: str, first_name: str, last_name: str, email: str, language: str = "sv"
) -> bool:
    """Rectification (P25): names at once; a new address only once its owner follows the link
    mailed to it (address_change_mail, queued by the view: the page answers the same whether or
    not the address is someone else's, and that address instead gets a note that it is already
    in use). True when an address change is offered. Audited by person_update (fields, not
    values)."""

    new_email = normalise_email(email)
    with transaction.atomic():
        if (first_name.strip(), last_name.strip()) != (person.first_name, person.last_name):
            person_update(
                person=person,
                actor=actor,
                first_name=first_name.strip(),
                last_name=last_name.strip(),
            )
        request_record(person=person, kind=Request.Kind.RECTIFICATION, actor=actor)
        if new_email == person.email:
            return False
        audit_append(actor=actor, action="rights.address_change_offered", subject_id=person.pk)
    return True


def person_address_confirm(*, token: str) -> Person:
    """Carry out an address change whose link was followed. Raises RightsError when the link is
    expired, stale (the address changed since) or the address was taken in the meantime.
    A restricted person's suppression moves with her address."""
    found = address_from_token(token)
    if found is None:
        raise RightsError("link-invalid")
    person, new_email = found
    old_email = person.email
    with transaction.atomic():
        try:
            with transaction.atomic():
                person_update(person=person, actor=f"person:{person.pk}", email=new_email)
        except IntegrityError:
            raise RightsError("address-taken") from None
        # Backups taken until now hold her under the old address: her erasure must reach them.
        PreviousAddress.objects.create(person=person, address_hash=address_hash(old_email))
        restriction = Restriction.objects.filter(person=person, lifted_at__isnull=True).first()
        if restriction and restriction.suppressed_mail:
            mail_unsuppress(email=old_email)
            mail_suppress(email=new_email, reason="restriction")
        # Every later mail goes to the new address: what still waits in the outbox too.
        mail_readdress(person_id=person.pk, old=old_email, new=new_email)
        address_changed_notice(person=person, old_email=old_email)
    return person


def _masked(email: str) -> str:
    """The new address as the notice to the old one shows it: enough for her to recognise it,
    not enough to hand it to whoever reads the old mailbox now ("k***@example.se")."""
    local, _at, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def address_changed_notice(*, person: Person, old_email: str) -> None:
    """A short note to the address she left: it changed, and whom to tell if it was not her.
    Not linked to her: the address may soon be someone else's, and a link would make it one of
    her identifiers (her erasure would then take that person's rows for hers)."""
    mail_queue(
        to=old_email,
        template="rights_address_changed",
        context={"first_name": person.first_name, "new_email": _masked(person.email)},
        language=person.language or "sv",
    )


def restriction_start(*, person: Person, reason: str, actor: str) -> Restriction:
    """Restrict processing (P27): stored, used for nothing else, no mail, no newsletter."""

    if reason not in Restriction.Reason.values:
        raise ValueError(f"bad reason {reason!r}")
    with transaction.atomic():
        existing = (
            Restriction.objects.select_for_update()
            .filter(person=person, lifted_at__isnull=True)
            .first()
        )
        if existing:
            return existing
        already = mail_is_suppressed(person.email)
        restriction = Restriction.objects.create(
            person=person, reason=reason, suppressed_mail=not already
        )
        if not already:
            mail_suppress(email=person.email, reason="restriction")
        audit_append(
            actor=actor,
            action="rights.restricted",
            subject_id=person.pk,
            detail={"restriction": restriction.pk, "reason": reason},
        )
        request_record(person=person, kind=Request.Kind.RESTRICTION, actor=actor)
    return restriction


def restriction_lift(*, person: Person, actor: str) -> bool:
    """Lift the restriction: processing and mail resume. True when one was in force."""

    with transaction.atomic():
        restriction = (
            Restriction.objects.select_for_update()
            .filter(person=person, lifted_at__isnull=True)
            .first()
        )
        if restriction is None:
            return False
        restriction.lifted_at = timezone.now()
        restriction.save(update_fields=["lifted_at"])
        if restriction.suppressed_mail:
            mail_unsuppress(email=person.email)
        audit_append(
            actor=actor,
            action="rights.restriction_lifted",
            subject_id=person.pk,
            detail={"restriction": restriction.pk},
        )
    return True


def objection_record(
    *, person: Person, actor: str, kind: str = Objection.Kind.DIRECT_MARKETING
) -> Objection:
    """Object (P28). To direct marketing: the newsletter stops at once and cannot start again
    without a new explicit consent (newsletter.services.subscription_create)."""
    with transaction.atomic():
        objection = Objection.objects.filter(
            person=person, kind=kind, superseded_at__isnull=True
        ).first()
        if objection is None:
            objection = Objection.objects.create(person=person, kind=kind)
            audit_append(
                actor=actor,
                action="rights.objected",
                subject_id=person.pk,
                detail={"objection": objection.pk, "kind": kind},
            )
            request_record(person=person, kind=Request.Kind.OBJECTION, actor=actor)
        # The newsletter (a higher app) stops at once for an objection to direct marketing.
        hooks.objection_made.emit(hooks.ObjectionMade(person=person, kind=kind, actor=actor))
    return objection


def consent_withdraw(*, person: Person, consent: str, actor: str) -> bool:
    """Withdraw one consent (P9): the app that holds it (the newsletter...) ends it. Handlers
    answer None for a consent that is not theirs; one no app knows is an error."""
    with transaction.atomic():
        change = hooks.ConsentChange(person=person, consent=consent, actor=actor)
        answers = [a for a in hooks.consent_withdrawn.collect(change) if a is not None]
        if not answers:
            raise ValueError(f"unknown consent {consent!r}")
        withdrawn = any(answers)
        if withdrawn:
            request_record(person=person, kind=Request.Kind.CONSENT_WITHDRAWAL, actor=actor)
    return withdrawn


class ObjectionInForce(Exception):
    """She objected to direct marketing after (or when) the consent offered was given."""


def objections_supersede(*, person: Person, consent_given_at: dt.datetime, actor: str) -> int:
    """A new explicit consent to direct marketing supersedes her earlier objections (P28).

    Raises ObjectionInForce, changing nothing, when the latest objection is not older than the
    consent. Returns how many objections the consent superseded."""
    with transaction.atomic():
        objections = Objection.objects.select_for_update().filter(
            person=person, kind=Objection.Kind.DIRECT_MARKETING, superseded_at__isnull=True
        )
        latest = objections.order_by("-at").values_list("at", flat=True).first()
        if latest is None:
            return 0
        if consent_given_at <= latest:
            raise ObjectionInForce(f"person {person.pk} objected to direct marketing")
        superseded = objections.update(superseded_at=timezone.now())
        audit_append(
            actor=actor,
            action="rights.objection_superseded",
            subject_id=person.pk,
            detail={"objections": superseded},
        )
    return superseded
