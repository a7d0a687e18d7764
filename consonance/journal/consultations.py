"""E-mail consultations (P2, P16): opened when an e-mail service is paid, written on the site or
by e-mail, replied to by the coach, completed by itself when the exchanges or the days run out.

Every message is a journal note (kind message_in / message_out) encrypted with the client's key;
notifications carry a link to her page, never the text.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import datetime, timedelta

from django.core import signing
from django.db import transaction
from django.utils import timezone

from consonance.audit.services import SYSTEM, audit_append
from consonance.booking.changes import booking_complete, booking_consultation_answered
from consonance.booking.models import Booking
from consonance.journal import emails
from consonance.journal.models import Consultation, ConsultationTerms, Note
from consonance.journal.services import JournalError, note_create
from consonance.lib.keyring import derived_keys
from consonance.people.models import Person

DEFAULT_EXCHANGES = 3
DEFAULT_DAYS = 28
TOKEN_SALT = "journal.consultation"
REPLY_TOKEN_KEY = "journal-reply-token"
REPLY_TOKEN = re.compile(r"\bK-(\d{1,12})-([A-Z2-7]{16})\b", re.IGNORECASE)


def consultation_token(consultation: Consultation) -> str:
    """The signed part of her page's address: the consultation's id and nonce, nothing else."""
    return signing.dumps([consultation.pk, consultation.nonce], salt=TOKEN_SALT)


def consultation_from_token(token: str) -> Consultation | None:
    try:
        pk, nonce = signing.loads(token, salt=TOKEN_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    found = Consultation.objects.select_related("person", "booking__service").filter(pk=pk).first()
    if found is None or found.nonce != str(nonce):
        return None
    return found


def _reply_mac(key: bytes, consultation: Consultation) -> str:
    message = f"{consultation.pk}:{consultation.nonce}".encode()
    return base64.b32encode(hmac.new(key, message, hashlib.sha256).digest())[:16].decode()


def reply_token(consultation: Consultation) -> str:
    """The secret of this consultation that the site's mails to her carry in their subject
    ("[#K-12-…]"), kept by her mail program when she answers: a reply that carries it is hers
    (issue 21). An HMAC of the id and nonce (80 bits): unguessable, bound to this consultation."""
    return f"K-{consultation.pk}-{_reply_mac(derived_keys(REPLY_TOKEN_KEY)[0], consultation)}"


def consultations_from_reply_tokens(text: str) -> list[Consultation]:
    """The consultations whose genuine reply token `text` (a subject, an address) carries."""
    found: list[Consultation] = []
    for pk, mac in {(int(p), m.upper()) for p, m in REPLY_TOKEN.findall(text)}:
        consultation = Consultation.objects.filter(pk=pk).first()
        if consultation is not None and any(
            hmac.compare_digest(_reply_mac(key, consultation), mac)
            for key in derived_keys(REPLY_TOKEN_KEY)  # a token from before a key rotation too
        ):
            found.append(consultation)
    return found


def _replies(consultation: Consultation) -> int:
    return Note.objects.filter(
        consultation=consultation, kind=Note.Kind.MESSAGE_OUT, superseded_at__isnull=True
    ).count()


def consultation_open(
    *, person: Person, booking: Booking | None, actor: str, now: datetime | None = None
) -> Consultation:
    """Open an e-mail consultation on the terms of its service (idempotent per booking)."""
    now = now or timezone.now()
    if booking is not None:
        existing = Consultation.objects.filter(booking=booking).first()
        if existing is not None:
            return existing
    terms = (
        ConsultationTerms.objects.filter(service_id=booking.service_id).first()
        if booking is not None
        else None
    )
    exchanges = terms.exchanges if terms else DEFAULT_EXCHANGES
    days = terms.days if terms else DEFAULT_DAYS
    with transaction.atomic():
        consultation = Consultation.objects.create(
            person=person,
            booking=booking,
            opened_at=now,
            ends_at=now + timedelta(days=days),
            exchanges=exchanges,
        )
        audit_append(
            actor=actor,
            action="journal.consultation_opened",
            subject_id=person.pk,
            category="email_consultation",
            detail={"consultation": consultation.pk, "exchanges": exchanges, "days": days},
        )
        emails.consultation_opened(
            consultation, consultation_token(consultation), reply_token(consultation)
        )
    return consultation


def on_booking_confirmed(booking: Booking) -> None:
    """Handler of booking.hooks.booking_confirmed: an e-mail service opens a consultation."""
    if booking.service.has_slot or booking.person_id is None:
        return
    consultation_open(person=booking.person, booking=booking, actor=SYSTEM)


def on_booking_cancelled(booking: Booking) -> None:
    """Handler of booking.hooks.booking_cancelled: its consultation closes."""
    consultation = Consultation.objects.filter(
        booking=booking, state=Consultation.State.OPEN
    ).first()
    if consultation is not None:
        _close(consultation, Consultation.State.CANCELLED, actor=SYSTEM)


def _close(consultation: Consultation, state: str, *, actor: str) -> None:
    consultation.state = state
    consultation.completed_at = timezone.now()
    consultation.awaiting_reply_since = None
    consultation.save(update_fields=["state", "completed_at", "awaiting_reply_since"])
    audit_append(
        actor=actor,
        action=f"journal.consultation_{state}",
        subject_id=consultation.person_id,
        category="email_consultation",
        detail={"consultation": consultation.pk},
    )
    if state == Consultation.State.COMPLETED and consultation.booking_id is not None:
        # The service is given in full: its booking is completed too (no longer cancellable).
        booking_complete(booking_id=consultation.booking_id, actor=actor)


def reply_refusal(consultation: Consultation) -> str | None:
    """Why the coach may not send a reply from the staff page now, or None: a cancelled or
    completed consultation, or one whose replies are all given, takes no more."""
    if consultation.state == Consultation.State.CANCELLED:
        return "cancelled"
    if consultation.state == Consultation.State.COMPLETED:
        return "completed"
    if _replies(consultation) >= consultation.exchanges:
        return "all replies given"
    return None


def late_message_handled(*, consultation: Consultation, actor: str) -> bool:
    """The coach has seen to a message that came after the consultation ended (answered it from
    her mail program, or offered a new consultation): it no longer waits on her overview."""
    with transaction.atomic():
        consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
        if consultation.state == Consultation.State.OPEN or not consultation.awaiting_reply_since:
            return False
        consultation.awaiting_reply_since = None
        consultation.save(update_fields=["awaiting_reply_since"])
        audit_append(
            actor=actor,
            action="journal.late_message_handled",
            subject_id=consultation.person_id,
            category="email_consultation",
            detail={"consultation": consultation.pk},
        )
    return True


def can_write(consultation: Consultation, now: datetime | None = None) -> bool:
    """The client may write while the consultation is open and within its days."""
    now = now or timezone.now()
    return consultation.state == Consultation.State.OPEN and now < consultation.ends_at


def message_receive(
    *,
    consultation: Consultation,
    body: str,
    actor: str,
    source: str,
    message_id: str = "",
    received_at: datetime | None = None,
    origin: str = "",
) -> Note:
    """File a message from the client (from her page, or ingested from the mailbox). The reply
    deadline (P16, one week) starts with her first unanswered message. One that comes after the
    consultation was completed is filed all the same and waits on the coach's overview as a late
    message (selectors.replies_awaited), never silently."""
    with transaction.atomic():
        consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
        note = note_create(
            person=consultation.person,
            body=body,
            actor=actor,
            booking=consultation.booking,
            consultation=consultation,
            kind=Note.Kind.MESSAGE_IN,
            source=source,
            message_id=message_id,
            origin=origin,
            created_at=received_at,
        )
        if consultation.awaiting_reply_since is None:
            consultation.awaiting_reply_since = note.created_at
            consultation.save(update_fields=["awaiting_reply_since"])
        if source == "web":
            emails.coach_notified(consultation)
    return note


def reply_send(
    *,
    consultation: Consultation,
    body: str,
    actor: str,
    source: str = "staff",
    message_id: str = "",
    sent_at: datetime | None = None,
    origin: str = "",
) -> Note:
    """File the coach's reply (from the staff page, or found in Sent) and tell the client with a
    link to her page. The consultation completes by itself with its last exchange."""
    with transaction.atomic():
        consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
        refusal = reply_refusal(consultation)
        if refusal == "cancelled" or (refusal and source == "staff"):
            # Her own mail program's reply (source "email") is filed even past the count: it has
            # gone already, and the journal must hold it.
            raise JournalError(refusal)
        first = _replies(consultation) == 0
        note = note_create(
            person=consultation.person,
            body=body,
            actor=actor,
            booking=consultation.booking,
            consultation=consultation,
            kind=Note.Kind.MESSAGE_OUT,
            source=source,
            message_id=message_id,
            origin=origin,
            created_at=sent_at,
        )
        consultation.awaiting_reply_since = None
        consultation.save(update_fields=["awaiting_reply_since"])
        if first and consultation.booking_id is not None:
            booking_consultation_answered(
                booking_id=consultation.booking_id, at=note.created_at, actor=actor
            )
        if source == "staff":
            notice = emails.reply_notified(
                consultation, consultation_token(consultation), reply_token(consultation)
            )
            if notice is not None:
                note.message_id = notice.message_id[:255]
                note.save(update_fields=["message_id"])
        if consultation.state == Consultation.State.OPEN and (
            _replies(consultation) >= consultation.exchanges
        ):
            _close(consultation, Consultation.State.COMPLETED, actor=SYSTEM)
    return note


def consultations_complete_due(*, now: datetime | None = None) -> int:
    """Complete every open consultation whose days have run out and that waits for no reply
    (a message on the last day still gets its answer, P16). Returns how many."""
    now = now or timezone.now()
    done = 0
    due = Consultation.objects.filter(
        state=Consultation.State.OPEN, ends_at__lte=now, awaiting_reply_since__isnull=True
    ).values_list("pk", flat=True)
    for pk in list(due):
        with transaction.atomic():
            consultation = Consultation.objects.select_for_update().get(pk=pk)
            if consultation.state == Consultation.State.OPEN:
                _close(consultation, Consultation.State.COMPLETED, actor=SYSTEM)
                done += 1
    return done
