"""Audit-log appends per second against plain inserts into the same table and database.

Target (issue 2): a hash-chained append costs at most twice a plain insert. Both variants insert
the same row into audit_event, one transaction per row, as the services do; the chained one also
takes the chain lock, reads the last hash and computes the HMAC.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import print_table, run_per_database, size, write_results

N = size(3000, 30)
TARGET_RATIO = 2.0


def measure(url: str) -> dict:
    from _common import setup_django, timed

    setup_django(url)
    from django.db import transaction
    from django.utils import timezone

    from consonance.audit.models import Event
    from consonance.audit.services import audit_append, audit_verify

    # Plain rows take negative numbers, so they never collide with the chain (which counts up).
    counter = iter(range(-1, -10_000_000, -1))

    def plain() -> None:
        for _ in range(N):
            seq = next(counter)
            with transaction.atomic():
                Event(
                    seq=seq,
                    at=timezone.now(),
                    actor="system",
                    action="bench.plain",
                    subject_id=seq,
                    category="contact_details",
                    detail='{"n":1}',
                    prev_hash="0" * 64,
                    hash=f"{-seq:064d}",
                ).save(force_insert=True)

    def chained() -> None:
        for i in range(N):
            audit_append(
                actor="system",
                action="bench.chained",
                subject_id=i,
                category="contact_details",
                detail={"n": 1},
            )

    # Alternate the two so that neither profits from a warmer cache or a smaller table.
    plain_s, chained_s = [], []
    for _ in range(3):
        chained_s += timed(chained, 1)
        plain_s += timed(plain, 1)
    Event.objects.filter(action="bench.plain").delete()
    count, broken = audit_verify()
    assert broken is None and count == 3 * N
    plain_rate = N / min(plain_s)
    chained_rate = N / min(chained_s)
    return {
        "rows_per_run": N,
        "plain_inserts_per_s": round(plain_rate),
        "chained_appends_per_s": round(chained_rate),
        "ratio": round(plain_rate / chained_rate, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url")
    parser.add_argument("--json-out")
    args = parser.parse_args()
    if args.database_url:
        Path(args.json_out).write_text(json.dumps(measure(args.database_url)))
        return
    results = run_per_database(__file__, "audit_append")
    for r in results:
        r["met"] = r["ratio"] <= TARGET_RATIO
    print_table(
        ["database", "plain inserts/s", "chained appends/s", "cost ratio", "target ≤ 2×"],
        [
            [
                r["database"],
                r["plain_inserts_per_s"],
                r["chained_appends_per_s"],
                f"{r['ratio']}×",
                "met" if r["met"] else "MISSED",
            ]
            for r in results
        ],
    )
    write_results("audit_append", {"target_ratio": TARGET_RATIO, "results": results})


if __name__ == "__main__":
    main()
