"""The hash chain: how an audit event's hash is computed, and how the chain is verified.

Each event's hash is an HMAC-SHA256 (keyed from the master key, so that nobody with only database
access can forge a consistent chain) over its sequence number, its fields and the previous
event's hash. Editing a row changes its hash; deleting one breaks the sequence and the link;
inserting one out of order breaks the link of the row after it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from consonance.lib.keyring import stable_key

GENESIS = "0" * 64


def canonical_detail(detail: dict | None) -> str:
    return json.dumps(detail or {}, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def event_hash(
    *,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    subject_id: int | None,
    category: str,
    detail: str,
    prev_hash: str,
) -> str:
    at_utc = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    message = "\x1f".join(
        [
            str(seq),
            at_utc,
            actor,
            action,
            "" if subject_id is None else str(subject_id),
            category,
            detail,
            prev_hash,
        ]
    )
    # A stable key: a master-key rotation must not change the meaning of existing hashes.
    return hmac.new(stable_key("audit-chain"), message.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class ChainBreak:
    seq: int
    reason: str


def verify_rows(rows: Iterable[tuple]) -> tuple[int, ChainBreak | None]:
    """Walk rows (seq, at, actor, action, subject_id, category, detail, prev_hash, hash) in
    sequence order; return how many were checked and the first break, if any."""
    expected_seq, expected_prev, count = 1, GENESIS, 0
    for seq, at, actor, action, subject_id, category, detail, prev_hash, stored in rows:
        count += 1
        if seq != expected_seq:
            gap = "missing" if seq > expected_seq else "out of order"
            return count, ChainBreak(
                seq,
                f"sequence {gap}: expected #{expected_seq} before it "
                "(a row was deleted or inserted)",
            )
        if prev_hash != expected_prev:
            return count, ChainBreak(
                seq,
                "link broken: it does not follow the event before it "
                "(a row was deleted, edited or inserted out of order)",
            )
        computed = event_hash(
            seq=seq,
            at=at,
            actor=actor,
            action=action,
            subject_id=subject_id,
            category=category,
            detail=detail,
            prev_hash=prev_hash,
        )
        if not hmac.compare_digest(computed, stored):
            return count, ChainBreak(seq, "hash mismatch: the row was edited")
        expected_seq, expected_prev = seq + 1, stored
    return count, None
