"""Writing to the audit log. Every service that changes personal data calls `audit_append`
inside its own transaction, so the change and its audit row commit or roll back together."""

from __future__ import annotations

from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from consonance.audit.chain import GENESIS, ChainBreak, canonical_detail, event_hash, verify_rows
from consonance.audit.models import Event, Verification

# An arbitrary constant naming the audit chain's advisory lock on PostgreSQL.
_PG_LOCK_ID = 0x636F6E73  # "cons"

SYSTEM = "system"


def actor_staff(user_id: int) -> str:
    return f"staff:{user_id}"


def actor_staff_request(request: HttpRequest) -> str:
    """The actor for a staff page's request (every /staff/ page is behind both factors)."""
    user_id = request.user.pk
    assert user_id is not None, "staff pages require a signed-in staff member"
    return actor_staff(user_id)


def actor_person(person_id: int) -> str:
    return f"person:{person_id}"


def audit_append(
    *,
    actor: str,
    action: str,
    subject_id: int | None = None,
    category: str = "",
    detail: dict | None = None,
) -> Event:
    """Append one event to the chain. Never pass personal values in `detail`: ids and counts."""
    return audit_append_many(actor=actor, action=action, entries=[(subject_id, category, detail)])[
        0
    ]


def audit_append_many(
    *, actor: str, action: str, entries: list[tuple[int | None, str, dict | None]]
) -> list[Event]:
    """Append one event per (subject_id, category, detail), in order, with one read of the
    chain's end and one insert: the same events as as many `audit_append` calls."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Appends are serialised so that each reads the true last hash. SQLite needs no
            # lock here: its IMMEDIATE transactions already admit one writer at a time.
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_ID])
        # Plain SQL on the primary key index: this read is on every write's path.
        cursor.execute(f"SELECT seq, hash FROM {Event._meta.db_table} ORDER BY seq DESC LIMIT 1")  # noqa: S608
        last = cursor.fetchone()
        seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS)
        events = []
        for subject_id, category, detail in entries:
            at = timezone.now()
            detail_text = canonical_detail(detail)
            event = Event(
                seq=seq,
                at=at,
                actor=actor,
                action=action,
                subject_id=subject_id,
                category=category,
                detail=detail_text,
                prev_hash=prev_hash,
                hash=event_hash(
                    seq=seq,
                    at=at,
                    actor=actor,
                    action=action,
                    subject_id=subject_id,
                    category=category,
                    detail=detail_text,
                    prev_hash=prev_hash,
                ),
            )
            events.append(event)
            seq, prev_hash = seq + 1, event.hash
        if len(events) == 1:
            events[0].save(force_insert=True)
        else:
            Event.objects.bulk_create(events)
    return events


def audit_verify() -> tuple[int, ChainBreak | None]:
    rows = Event.objects.order_by("seq").values_list(
        "seq", "at", "actor", "action", "subject_id", "category", "detail", "prev_hash", "hash"
    )
    return verify_rows(rows.iterator(chunk_size=5000))


def audit_verify_and_record() -> Verification:
    """Verify the whole chain and keep the outcome, for the staff overview."""
    count, broken = audit_verify()
    return Verification.objects.create(
        at=timezone.now(),
        events=count,
        broken_seq=broken.seq if broken else None,
        reason=broken.reason[:200] if broken else "",
    )
