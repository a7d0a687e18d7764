"""The contact form and the coach's overview under load.

On SQLite and PostgreSQL, with 100 000 rate-limit rows from earlier visitors in the table:
- a message accepted through the whole form (honeypot, fill time, proof-of-work check, both rate
  limits, encryption, audit row, the coach's notice in the outbox), p50/p95; target p95 < 100 ms;
- the baseline in the same run: a scripted post without the proof of work, refused; what a flood
  without work costs the server (target p95 < 50 ms; no database write);
- the staff overview's list of what waits (the open conversations among it) with 500 open
  messages and two holidays (deadlines extended), p50/p95; target p95 < 100 ms;
- and, where Node.js is installed, what the proof of work costs a visitor: our pow.js solving
  fresh challenges with WebCrypto (a phone's browser is a few times slower).

    python bench/contact.py [--samples N]
"""

from __future__ import annotations

import argparse
import base64
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, p95, print_table, run_per_database, size, write_results

ACCEPT_TARGET_MS = 100
REFUSE_TARGET_MS = 50
OVERVIEW_TARGET_MS = 100
OPEN_MESSAGES = size(500, 60)
OLD_ATTEMPTS = size(100_000, 100)

NODE_HARNESS = r"""
const fs = require("fs");
const field = { value: "" };
const form = {
  getAttribute: (n) => n === "data-challenge" ? process.argv[3] : "",
  querySelector: (s) => s.includes("altcha") ? field : { textContent: "" },
  addEventListener: () => {},
};
globalThis.document = { querySelector: () => form };
globalThis.window = globalThis;
const started = performance.now();
new Function(fs.readFileSync(process.argv[2], "utf8"))();
const wait = () => field.value ? console.log(performance.now() - started) : setTimeout(wait, 1);
wait();
"""


def _solved(challenge_json: str) -> str:
    import altcha

    data = json.loads(challenge_json)
    solution = altcha.solve_challenge_v1(
        data["challenge"], data["salt"], data["algorithm"], data["maxNumber"]
    )
    assert solution is not None
    payload = {k: data[k] for k in ("algorithm", "challenge", "salt", "signature")}
    payload["number"] = solution.number
    return base64.b64encode(json.dumps(payload).encode()).decode()


def _fill_attempts() -> None:
    import datetime as dt

    from django.utils import timezone

    from consonance.contact.models import Attempt
    from consonance.contact.protection import _hash

    now = timezone.now()
    Attempt.objects.bulk_create(
        (
            Attempt(
                ip_hash=_hash("ip", f"10.{i // 65536}.{i // 256 % 256}.{i % 256}"),
                address_hash=_hash("email", f"old{i}@example.se"),
                at=now - dt.timedelta(seconds=i % 86_000),
            )
            for i in range(OLD_ATTEMPTS)
        ),
        batch_size=5000,
    )


def _form_posts(samples: int) -> tuple[list[float], list[float]]:
    import datetime as dt

    from django.test import Client
    from django.utils import timezone

    from consonance.contact.protection import challenge_json, form_token

    client = Client()
    accepted, refused = [], []
    for i in range(samples):
        data = {
            "name": "Karin Sjöberg",
            "email": f"karin{i}@example.se",
            "message": "Hej! Har du lediga tider i januari? " * 20,
            "website": "",
            "token": form_token(timezone.now() - dt.timedelta(seconds=30)),
        }
        solved = _solved(challenge_json())
        start = time.perf_counter()
        response = client.post(
            "/kontakt/", {**data, "altcha": solved}, REMOTE_ADDR=f"192.0.2.{i % 250}"
        )
        accepted.append(time.perf_counter() - start)
        assert response.status_code == 302, response.status_code
        start = time.perf_counter()
        response = client.post("/kontakt/", {**data, "altcha": ""}, REMOTE_ADDR="198.51.100.1")
        refused.append(time.perf_counter() - start)
        assert response.status_code == 200
    return accepted, refused


def _overview(samples: int) -> list[float]:
    import datetime as dt

    from django.template.loader import render_to_string
    from django.utils import timezone

    from consonance.audit.services import SYSTEM
    from consonance.contact.models import Message
    from consonance.contact.services import message_receive
    from consonance.lib import overview
    from consonance.privacy.holidays import holiday_add
    from consonance.web.views import SHOWN

    now = timezone.now()
    today = timezone.localdate(now)
    holiday_add(
        first_day=today - dt.timedelta(days=3), last_day=today - dt.timedelta(days=1), actor=SYSTEM
    )
    holiday_add(
        first_day=today + dt.timedelta(days=1), last_day=today + dt.timedelta(days=7), actor=SYSTEM
    )
    for i in range(OPEN_MESSAGES - Message.objects.count()):
        message_receive(
            email=f"open{i}@example.se",
            name=f"Öppen {i}",
            body="Hej!",
            language="sv",
            actor=SYSTEM,
            received_at=now - dt.timedelta(minutes=7 * i),
        )

    def once() -> None:
        # As the overview asks: every app's most urgent items, one more than it shows.
        query = overview.OverviewQuery(now=timezone.now(), limit=SHOWN + 1)
        items = overview.waiting_items(query)
        assert len(items) > SHOWN  # the open conversations alone are more than it shows
        context = {"waiting": items[:SHOWN], "waiting_more": True, "holiday_notice": None}
        render_to_string("web/_waiting.html", context)

    times = []
    for _ in range(samples):
        start = time.perf_counter()
        once()
        times.append(time.perf_counter() - start)
    return times


def _visitor_work(runs: int) -> list[float] | None:
    node = shutil.which("node")
    if node is None:
        return None
    from consonance.contact.protection import challenge_json

    script = ROOT / "consonance" / "contact" / "static" / "contact" / "pow.js"
    with tempfile.TemporaryDirectory() as folder:
        harness = Path(folder) / "harness.js"
        harness.write_text(NODE_HARNESS)
        return [
            float(
                subprocess.run(
                    [node, str(harness), str(script), challenge_json()],
                    capture_output=True,
                    text=True,
                    check=True,
                    timeout=120,
                ).stdout.strip()
            )
            / 1000
            for _ in range(runs)
        ]


def child(url: str, out: Path, samples: int) -> None:
    from _common import setup_django

    setup_django(url)
    _fill_attempts()
    accepted, refused = _form_posts(samples)
    overview = _overview(samples)
    visitor = _visitor_work(20)
    ms = 1000
    out.write_text(
        json.dumps(
            {
                "accepted_p50_ms": round(statistics.median(accepted) * ms, 2),
                "accepted_p95_ms": round(p95(accepted) * ms, 2),
                "refused_p50_ms": round(statistics.median(refused) * ms, 2),
                "refused_p95_ms": round(p95(refused) * ms, 2),
                "overview_p50_ms": round(statistics.median(overview) * ms, 2),
                "overview_p95_ms": round(p95(overview) * ms, 2),
                "visitor_work_median_s": round(statistics.median(visitor), 3) if visitor else None,
                "visitor_work_max_s": round(max(visitor), 3) if visitor else None,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=size(100, 3))
    parser.add_argument("--database-url")
    parser.add_argument("--json-out")
    args = parser.parse_args()
    if args.database_url:
        child(args.database_url, Path(args.json_out), args.samples)
        return
    results = run_per_database(__file__, "contact")
    rows = []
    for r in results:
        rows.append(
            [
                r["database"],
                f"{r['accepted_p50_ms']} / {r['accepted_p95_ms']}",
                f"{r['refused_p50_ms']} / {r['refused_p95_ms']}",
                f"{r['overview_p50_ms']} / {r['overview_p95_ms']}",
                r["visitor_work_median_s"],
            ]
        )
    print_table(
        [
            "database",
            f"message accepted p50/p95 ms (< {ACCEPT_TARGET_MS})",
            f"refused without work p50/p95 ms (< {REFUSE_TARGET_MS})",
            f"overview, {OPEN_MESSAGES} open, p50/p95 ms (< {OVERVIEW_TARGET_MS})",
            "visitor's work, median s (Node)",
        ],
        rows,
    )
    path = write_results(
        "contact",
        {
            "targets_ms": {
                "accepted_p95": ACCEPT_TARGET_MS,
                "refused_p95": REFUSE_TARGET_MS,
                "overview_p95": OVERVIEW_TARGET_MS,
            },
            "old_attempts": OLD_ATTEMPTS,
            "open_messages": OPEN_MESSAGES,
            "results": results,
        },
    )
    print(f"\nwritten to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
