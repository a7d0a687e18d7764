"""Bookkeeping: SIE 4 export of a year of 100 000 vouchers, and what a voucher adds to recording
a payment, on SQLite and PostgreSQL.

Targets (issue 8): the export (and its verification) of 100 000 vouchers takes under 5 s; the
voucher (with its receipt) adds at most 30 % to recording a payment. The baseline runs in the
same process: the same ledger call with the bookkeeping handlers unregistered, interleaved in
rounds so both see the same database size and cache state. Both run under production settings
(DEBUG off, `_common.production_settings`), as a site runs them.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import print_table, run_per_database, smoke, write_results

VOUCHERS = 1_000 if smoke() else 100_000
PAYMENTS = 16 if smoke() else 400  # per variant
ROUNDS = 8
EXPORT_TARGET_S = 5.0
OVERHEAD_TARGET = 0.30


def build_year() -> None:
    import datetime as dt
    from decimal import Decimal

    from consonance.bookkeeping.models import NumberSeries, Voucher, VoucherRow

    start, end = dt.date(2025, 1, 1), dt.date(2025, 12, 31)
    batch = min(5000, VOUCHERS)
    for offset in range(0, VOUCHERS, batch):
        vouchers = Voucher.objects.bulk_create(
            [
                Voucher(
                    series="A",
                    number=n + 1,
                    date=start + dt.timedelta(days=n * 365 // VOUCHERS),
                    description=f"Videokonsultation 50 min (Kort), order B{n:06d}",
                    amount=Decimal("900.00"),
                    payer_name="Bench Betalare",
                    kind="payment",
                    fiscal_year_start=start,
                    fiscal_year_end=end,
                    vat_amount=Decimal("180.00"),
                    vat_rate=Decimal("25.00"),
                    source=f"bench:{n}",
                )
                for n in range(offset, offset + batch)
            ]
        )
        if vouchers[0].pk is None:  # SQLite before RETURNING: look the ids up
            vouchers = list(Voucher.objects.filter(number__gt=offset, number__lte=offset + batch))
        VoucherRow.objects.bulk_create(
            [
                VoucherRow(voucher=v, position=p, account=a, amount=Decimal(x))
                for v in vouchers
                for p, (a, x) in enumerate(
                    (("1580", "900.00"), ("3001", "-720.00"), ("2611", "-180.00")), start=1
                )
            ],
            batch_size=batch,
        )
    NumberSeries.objects.create(series="A", fiscal_year_start=start, last=VOUCHERS)


def measure_export() -> dict:
    from consonance.bookkeeping.fiscal import fiscal_year_ending_in
    from consonance.bookkeeping.sie_reader import read_sie
    from consonance.bookkeeping.sie_writer import sie_export

    build_year()
    start = time.perf_counter()
    data = sie_export(fiscal_year_ending_in(2025))
    export_s = time.perf_counter() - start
    start = time.perf_counter()
    result = read_sie(data, "bench.se")
    verify_s = time.perf_counter() - start
    assert result.valid and result.ksumma == "ok" and len(result.vouchers) == VOUCHERS
    return {
        "vouchers": VOUCHERS,
        "sie_bytes": len(data),
        "export_s": round(export_s, 2),
        "verify_s": round(verify_s, 2),
    }


def measure_overhead() -> dict:
    from decimal import Decimal

    from consonance.bookkeeping import handlers
    from consonance.payments import hooks
    from consonance.payments.ledger import order_record_payment
    from consonance.payments.models import Order

    def orders(prefix: str, n: int) -> list[int]:
        Order.objects.bulk_create(
            [
                Order(
                    reference=f"{prefix}{i:06d}",
                    method="card",
                    description="Videokonsultation 50 min",
                    amount=Decimal("900.00"),
                    vat_rate=Decimal("25.00"),
                    payer_name="Bench Betalare",
                    payer_email="bench@example.se",
                )
                for i in range(n)
            ]
        )
        return list(Order.objects.filter(reference__startswith=prefix).values_list("pk", flat=True))

    def pay(ids: list[int]) -> float:
        start = time.perf_counter()
        for pk in ids:
            order_record_payment(
                order_id=pk,
                amount=Decimal("900.00"),
                provider="stripe",
                provider_event_id=f"bench-{pk}",
                actor="system",
            )
        return time.perf_counter() - start

    with_ids = orders("W", PAYMENTS)
    without_ids = orders("N", PAYMENTS)
    per = PAYMENTS // ROUNDS
    with_s, without_s = [], []
    for r in range(ROUNDS):
        hooks.payment_recorded.unregister(handlers.on_payment)
        without_s.append(pay(without_ids[r * per : (r + 1) * per]))
        hooks.payment_recorded.register(handlers.on_payment)
        with_s.append(pay(with_ids[r * per : (r + 1) * per]))
    with_ms = statistics.median(with_s) / per * 1000
    without_ms = statistics.median(without_s) / per * 1000
    return {
        "payments": PAYMENTS,
        "without_voucher_ms": round(without_ms, 2),
        "with_voucher_ms": round(with_ms, 2),
        "overhead": round(with_ms / without_ms - 1, 3),
    }


def measure(url: str, only_overhead: bool = False) -> dict:
    os.environ.setdefault("CONSONANCE_ORGANISATION_NUMBER", "556677-8899")
    from _common import production_settings, setup_django

    # Both sides as a site runs them, DEBUG off: under DEBUG each statement costs the debug
    # cursor's formatting and log (on SQLite one more statement), which no site pays and which
    # weighs on the side with the voucher's five statements more.
    production_settings()
    setup_django(url)
    if only_overhead:
        return measure_overhead()
    return {**measure_overhead(), **measure_export()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url")
    parser.add_argument("--json-out")
    # Only what a voucher adds to a payment (no SIE year built), printed, not written to results.
    parser.add_argument("--overhead-only", action="store_true")
    args = parser.parse_args()
    if args.database_url:
        measured = measure(args.database_url, only_overhead=args.overhead_only)
        Path(args.json_out).write_text(json.dumps(measured))
        return
    extra = ["--overhead-only"] if args.overhead_only else []
    results = run_per_database(__file__, "bookkeeping", extra)
    for r in results:
        r["overhead_met"] = r["overhead"] <= OVERHEAD_TARGET
    if args.overhead_only:
        print_table(
            ["database", "payment ms", "payment + voucher ms", "overhead", "target <= 30 %"],
            [
                [
                    r["database"],
                    r["without_voucher_ms"],
                    r["with_voucher_ms"],
                    f"{r['overhead']:.0%}",
                    "met" if r["overhead_met"] else "MISSED",
                ]
                for r in results
            ],
        )
        return
    for r in results:
        r["export_met"] = r["export_s"] < EXPORT_TARGET_S
    print_table(
        [
            "database",
            "vouchers",
            "SIE export s",
            "verify s",
            f"target < {EXPORT_TARGET_S:g} s",
            "payment ms",
            "payment + voucher ms",
            "overhead",
            "target <= 30 %",
        ],
        [
            [
                r["database"],
                r["vouchers"],
                r["export_s"],
                r["verify_s"],
                "met" if r["export_met"] else "MISSED",
                r["without_voucher_ms"],
                r["with_voucher_ms"],
                f"{r['overhead']:.0%}",
                "met" if r["overhead_met"] else "MISSED",
            ]
            for r in results
        ],
    )
    write_results(
        "bookkeeping",
        {
            "export_target_s": EXPORT_TARGET_S,
            "overhead_target": OVERHEAD_TARGET,
            "results": results,
        },
    )


if __name__ == "__main__":
    main()
