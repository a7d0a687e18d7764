"""How the retention engine and the rights cost grow with the practice: one table, three sizes.

For each size (default 20 000, 100 000 and 200 000 persons; `--sizes`) and each database, the
per-database steps of bench/retention.py (engine against raw SQL, the idle run; without the
gdpr-assist comparison) and bench/rights.py (access export and erasure + verification, p50/p95)
run in a child process on a fresh database, and their figures go into one table and
bench/results/scaling.json.

    python bench/scaling.py [--sizes 20000,100000,200000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, databases, fresh_database, print_table, smoke, write_results

SIZES = (100, 150, 200) if smoke() else (20_000, 100_000, 200_000)
HERE = Path(__file__).resolve().parent


def _child(script: str, url: str, env: dict) -> dict:
    fresh_database(url)
    out = ROOT / "var" / f"bench_scaling_{script}.json"
    subprocess.run(
        [sys.executable, str(HERE / f"{script}.py"), "--database-url", url, "--json-out", str(out)],
        check=True,
        env={**os.environ, **env},
    )
    return json.loads(out.read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--sizes", default=",".join(str(s) for s in SIZES))
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = []
    for label, url in databases("scaling"):
        for n in sizes:
            retention = _child(
                "retention",
                url,
                {
                    "BENCH_RETENTION_PERSONS": str(n),
                    "BENCH_RETENTION_PEER": "0",
                    "BENCH_ROUNDS": os.environ.get("BENCH_ROUNDS", "1"),
                },
            )
            rights = _child("rights", url, {"BENCH_RIGHTS_PERSONS": str(n)})
            rows.append(
                {
                    "database": label,
                    "persons": n,
                    "retention_ratio": retention["ratio_to_raw"],
                    "retention_engine_s": retention["engine_s"],
                    "retention_raw_s": retention["raw_s"],
                    "retention_idle_s": retention["idle_run_s"],
                    "export_p50_ms": rights["export_p50_ms"],
                    "export_p95_ms": rights["export_p95_ms"],
                    "erase_p50_ms": rights["erase_verify_p50_ms"],
                    "erase_p95_ms": rights["erase_verify_p95_ms"],
                }
            )
    print_table(
        [
            "database",
            "persons",
            "retention engine/raw s (ratio ≥ 0.9)",
            "idle run s (< 0.1)",
            "export p50/p95 ms (< 20)",
            "erase+verify p50/p95 ms (< 50)",
        ],
        [
            [
                r["database"],
                f"{r['persons']:,}",
                f"{r['retention_engine_s']}/{r['retention_raw_s']} ({r['retention_ratio']})",
                r["retention_idle_s"],
                f"{r['export_p50_ms']}/{r['export_p95_ms']}",
                f"{r['erase_p50_ms']}/{r['erase_p95_ms']}",
            ]
            for r in rows
        ],
    )
    write_results("scaling", {"sizes": sizes, "results": rows})


if __name__ == "__main__":
    main()
