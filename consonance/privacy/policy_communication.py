"""Reading the policy's [communication] tables: the only reasons the practice sends e-mail (P20).

    [communication.refund]
    promise = "P20"
    audience = "client"          # client | coach
    name.sv = "Återbetalning"    # a short label
    name.en = "Refund"
    text.sv = "bekräfta en återbetalning"
    text.en = "confirm a refund"

Every mail type the code can send declares one of these ids (privacy/mail_types.py).
"""

from __future__ import annotations

import re
from typing import Any

from consonance.privacy.policy_types import AUDIENCES, Communication

_ID = re.compile(r"[a-z][a-z0-9_]{0,39}")


def read_communication(r, doc: dict[str, Any]) -> dict[str, Communication]:
    """`r` is a policy_reader.Reader; problems are collected on it."""
    communication: dict[str, Communication] = {}
    if "communication" not in doc:
        return communication
    for cid, p in r.table(doc, "communication", ()).items():
        w = ("communication", cid)
        if not isinstance(p, dict):
            r.problem(w, f"communication.{cid} must be a table")
            continue
        if not _ID.fullmatch(cid):
            r.problem(w, f"communication id {cid!r} must be a short lower-case id, such as refund")
        communication[cid] = Communication(
            id=cid,
            promise=r.promise(p, w),
            audience=r.choice(p, "audience", w, AUDIENCES),
            name=r.text(p, "name", w),
            text=r.text(p, "text", w),
        )
    return communication
