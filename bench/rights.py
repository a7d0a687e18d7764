"""Privacy center at scale: access export, erasure plus verification, and the deep scan.

Generates N persons (default 1 000 000) with an order, a contact message and a newsletter
subscription each (every tenth also a bookkeeping voucher, every fifth billing details), with
bulk inserts, then measures on SQLite and PostgreSQL:
- access export of one person (export_zip: every registry model, policy facts, ZIP), p50/p95
  over random persons; target p95 < 20 ms;
- erasure plus verification of one person (person_erase: deletes, key destruction, the
  registry residue scan, receipt, mail), p50/p95; target p95 < 50 ms;
- the deep scan (every text column of every table), rows per second.

    python bench/rights.py [--persons N]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import print_table, run_per_database, size, write_results
from _identifiers import Identifiers, columns, values

EXPORT_TARGET_MS = 20
ERASE_TARGET_MS = 50
EXPORT_SAMPLES = size(200, 5)
ERASE_SAMPLES = size(50, 5)
BATCH = 10_000


def _insert(model, columns: list[str], rows) -> None:
    """Plain multi-row INSERTs through the DB-API: the fastest portable bulk load. Raw rows get
    no Django defaults, so every other NOT NULL field is filled in with its default ("" for text)
    (a new field such as contact_message.language would otherwise stop the load)."""
    from django.db import connection

    meta = model._meta
    named = [meta.get_field(c) for c in columns]
    defaulted = [
        f
        for f in meta.concrete_fields
        if f not in named
        and not f.primary_key
        and not f.null
        and not f.generated  # computed by the database (people.Person.journal_clock_at)
        and f.get_default() is not None
    ]
    cols = [f.column for f in (*named, *defaulted)]
    extra = tuple(f.get_db_prep_save(f.get_default(), connection) for f in defaulted)
    sql = (
        f'INSERT INTO "{meta.db_table}" ({", ".join(f'"{c}"' for c in cols)}) '
        f"VALUES ({', '.join(['%s'] * len(cols))})"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(*row, *extra) for row in rows])


def generate(n: int) -> float:
    import datetime as dt
    from decimal import Decimal

    from django.db import connection, transaction

    from consonance.bookkeeping.models import Voucher
    from consonance.contact.models import Message
    from consonance.newsletter.models import Subscription
    from consonance.payments.models import BillingDetails, Order
    from consonance.people.models import Person

    started = time.perf_counter()
    ops = connection.ops
    now = ops.adapt_datetimefield_value(dt.datetime.now(dt.UTC))
    today = ops.adapt_datefield_value(dt.date.today())
    amount = Decimal("900.00")
    blob = os.urandom(48)
    ids_ = Identifiers()
    hold = ids_.hold(Voucher(date=dt.date.today()))
    for start in range(0, n, BATCH):
        ids = range(start + 1, min(start + BATCH, n) + 1)
        with transaction.atomic():
            _insert(
                Person,
                [
                    "id",
                    *columns(Person, ["email", "first_name", "last_name"]),
                    "language",
                    "created_at",
                    "last_contact_at",
                ],
                (
                    (
                        i,
                        *values(
                            Person,
                            ids_.person(i),
                            email=f"p{i}@example.se",
                            first_name=f"Förnamn{i}",
                            last_name=f"Efternamn{i}",
                        ),
                        "sv",
                        now,
                        now,
                    )
                    for i in ids
                ),
            )
            ids_.store_keys()
            _insert(
                Order,
                [
                    "id",
                    "reference",
                    "person",
                    "created_at",
                    "method",
                    "status",
                    "description",
                    "amount",
                    "currency",
                    "vat_rate",
                    *columns(Order, ["payer_name", "payer_email"]),
                    "card_last4",
                    "card_expiry",
                    "amount_paid",
                    "amount_refunded",
                    "provider_ref",
                    "payment_ref",
                ],
                (
                    (
                        i,
                        f"B{i}",
                        i,
                        now,
                        "swish",
                        "paid",
                        "Videokonsultation",
                        amount,
                        "SEK",
                        Decimal(0),
                        *values(
                            Order,
                            ids_.person(i),
                            payer_name=f"Förnamn{i} Efternamn{i}",
                            payer_email=f"p{i}@example.se",
                        ),
                        "",
                        "",
                        amount,
                        Decimal(0),
                        "",
                        "",
                    )
                    for i in ids
                ),
            )
            _insert(
                BillingDetails,
                [
                    "order",
                    "person",
                    "collected_at",
                    *columns(
                        BillingDetails,
                        ["first_name", "last_name", "email", "street_address", "phone"],
                    ),
                    "postal_code",
                    "city",
                ],
                (
                    (
                        i,
                        i,
                        now,
                        *values(
                            BillingDetails,
                            ids_.person(i),
                            first_name=f"Förnamn{i}",
                            last_name=f"Efternamn{i}",
                            email=f"p{i}@example.se",
                            street_address="",
                            phone=f"07{i:08d}",
                        ),
                        "",
                        "",
                    )
                    for i in ids
                    if i % 5 == 0
                ),
            )
            _insert(
                Message,
                ["person", "received_at", "body_ciphertext"],
                ((i, now, blob) for i in ids),
            )
            _insert(
                Subscription,
                ["person", "subscribed_at", "confirmed_at"],
                ((i, now, now) for i in ids),
            )
            _insert(
                Voucher,
                [
                    "series",
                    "number",
                    "date",
                    "description",
                    "amount",
                    *columns(Voucher, ["payer_name"]),
                    "order_reference",
                    "person",
                    "created_at",
                ],
                (
                    (
                        "A",
                        i,
                        today,
                        "Konsultation",
                        amount,
                        *values(Voucher, hold, payer_name=f"Förnamn{i} Efternamn{i}"),
                        f"B{i}",
                        i,
                        now,
                    )
                    for i in ids
                    if i % 10 == 0
                ),
            )
    _reset_sequences()
    return time.perf_counter() - started


def identifier_indexes() -> list[str]:
    """Indexes the residue scan needs on identifier columns that have none yet (recommended to
    the models' owners; created here so the figures show the cost with them)."""
    from django.db import connection

    from consonance.lib.identifiers import IdentifierField
    from consonance.privacy.registry import registry

    created = []
    with connection.cursor() as cursor:
        for declaration in registry():
            meta = declaration.model_class._meta
            for name in declaration.identifiers:
                f = meta.get_field(name)
                if f.db_index or f.unique:
                    continue
                if isinstance(f, IdentifierField):  # ciphertext: looked up by its blind index
                    f = meta.get_field(f.index) if f.index else None
                    if f is None or f.db_index or f.unique:
                        continue
                index = f"bench_{meta.db_table}_{f.column}"[:60]
                cursor.execute(
                    f'CREATE INDEX IF NOT EXISTS "{index}" ON "{meta.db_table}" ("{f.column}")'
                )
                created.append(f"{declaration.model}.{name}")
    return created


def _reset_sequences() -> None:
    from django.core.management.color import no_style
    from django.db import connection

    from consonance.payments.models import Order
    from consonance.people.models import Person

    statements = connection.ops.sequence_reset_sql(no_style(), [Person, Order])
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def measure(url: str, persons: int) -> dict:
    from _common import setup_django

    setup_django(url)
    from django.db import connection

    from consonance.audit.services import SYSTEM
    from consonance.people.models import Person
    from consonance.rights.erasure import person_erase
    from consonance.rights.export import export_zip
    from consonance.rights.residue import Identifiers, find_residue

    generate_s = generate(persons)
    indexes = identifier_indexes() if os.environ.get("BENCH_RIGHTS_INDEXES", "1") == "1" else []
    rng = random.Random(7)

    export_ms = []
    for pk in rng.sample(range(1, persons + 1), min(EXPORT_SAMPLES, persons)):
        person = Person.objects.get(pk=pk)
        start = time.perf_counter()
        export_zip(person)
        export_ms.append((time.perf_counter() - start) * 1000)

    erase_ms = []
    erased = []
    # Every tenth person has a voucher kept under the legal hold: sample both kinds.
    for pk in rng.sample(range(1, persons + 1), min(ERASE_SAMPLES, persons)):
        person = Person.objects.get(pk=pk)
        start = time.perf_counter()
        receipt = person_erase(person=person, actor=SYSTEM, via="bench")
        erase_ms.append((time.perf_counter() - start) * 1000)
        assert receipt.verified
        erased.append(pk)

    from django.apps import apps

    total_rows = 0
    for model in apps.get_models(include_auto_created=True):
        if model._meta.managed and not model._meta.proxy:
            total_rows += model._default_manager.count()
    pk = erased[0]
    ids = Identifiers(
        emails={f"p{pk}@example.se"},
        names={(f"Förnamn{pk}", f"Efternamn{pk}")},
        others={f"Förnamn{pk} Efternamn{pk}"},
    )
    start = time.perf_counter()
    scan = find_residue(ids, deep=True)
    deep_s = time.perf_counter() - start
    assert not scan.residue, [f.as_dict() for f in scan.residue]

    def q(samples, n):
        return (
            round(statistics.quantiles(samples, n=100)[n - 1], 2)
            if len(samples) > 1
            else round(samples[0], 2)
        )

    return {
        "vendor": connection.vendor,
        "persons": persons,
        "generate_s": round(generate_s, 1),
        "export_p50_ms": q(export_ms, 50),
        "export_p95_ms": q(export_ms, 95),
        "erase_verify_p50_ms": q(erase_ms, 50),
        "erase_verify_p95_ms": q(erase_ms, 95),
        "deep_scan_s": round(deep_s, 2),
        "deep_scan_rows": total_rows,
        "deep_scan_tables": scan.tables,
        "deep_scan_rows_per_s": round(total_rows / deep_s),
        "identifier_indexes_added": indexes,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url")
    parser.add_argument("--json-out")
    parser.add_argument(
        "--persons",
        type=int,
        default=int(os.environ.get("BENCH_RIGHTS_PERSONS", size(1_000_000, 500))),
    )
    args = parser.parse_args()
    if args.database_url:
        Path(args.json_out).write_text(json.dumps(measure(args.database_url, args.persons)))
        return
    os.environ["BENCH_RIGHTS_PERSONS"] = str(args.persons)
    results = run_per_database(__file__, "rights")
    for r in results:
        r["export_met"] = r["export_p95_ms"] < EXPORT_TARGET_MS
        r["erase_met"] = r["erase_verify_p95_ms"] < ERASE_TARGET_MS
    print_table(
        [
            "database",
            "persons",
            "generate s",
            "export p50/p95 ms",
            "target <20",
            "erase+verify p50/p95 ms",
            "target <50",
            "deep scan rows/s",
        ],
        [
            [
                r["database"],
                f"{r['persons']:,}",
                r["generate_s"],
                f"{r['export_p50_ms']}/{r['export_p95_ms']}",
                "met" if r["export_met"] else "MISSED",
                f"{r['erase_verify_p50_ms']}/{r['erase_verify_p95_ms']}",
                "met" if r["erase_met"] else "MISSED",
                f"{r['deep_scan_rows_per_s']:,} ({r['deep_scan_rows']:,} rows, {r['deep_scan_s']} s)",
            ]
            for r in results
        ],
    )
    write_results(
        "rights",
        {
            "targets": {"export_p95_ms": EXPORT_TARGET_MS, "erase_verify_p95_ms": ERASE_TARGET_MS},
            "results": results,
        },
    )


if __name__ == "__main__":
    main()
