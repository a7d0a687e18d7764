"""The journal at scale: IMAP ingestion of 1 000 messages and the client card with 500 notes.

- Ingestion: 1 000 client messages (Swedish text, some HTML, some with a small attachment) are
  appended to a real Dovecot on loopback (the test suite's), then `ingest_once()` files them all
  into an e-mail consultation and purges them from INBOX and Trash. Baseline in the same run:
  fetching the same 1 000 messages with BODY.PEEK[] and nothing else (the protocol's own cost).
  Target: < 60 s; reported as messages per second.
- Client card: GET /staff/journal/clients/<id>/ for a client with 500 notes (decrypting each,
  logging the read), signed in with both factors; p50/p95 over 50 requests. Baseline: the same
  card with 10 notes. Target p95 < 100 ms.

    python bench/journal.py [--messages N] [--notes N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import p95, print_table, size, write_results

INGEST_TARGET_S = 60
CARD_TARGET_MS = 100
CARD_SAMPLES = size(50, 3)


def _messages(n: int) -> list[bytes]:
    from email.message import EmailMessage
    from email.utils import make_msgid

    from tests.dkim_keys import sign

    out = []
    for i in range(n):
        message = EmailMessage()
        message["From"] = "Åsa Öberg <asa@example.se>"
        message["To"] = "coach@example.se"
        message["Subject"] = f"Veckans funderingar {i}"
        message["Message-ID"] = make_msgid(domain="example.se")
        text = f"Hej! Det här är meddelande {i}. Jag har sovit bättre och gått promenader. " * 8
        if i % 5 == 0:
            message.set_content(f"<p>{text}</p><p>Hälsningar, Åsa</p>", subtype="html")
        else:
            message.set_content(text)
        if i % 10 == 0:
            message.add_attachment(
                b"%PDF-1.4 " + bytes(2000),
                maintype="application",
                subtype="pdf",
                filename="dagbok.pdf",
            )
        out.append(sign(message.as_bytes()))  # her provider signs (DKIM): it proves her mail
    return out


def bench_ingest(n: int) -> dict:
    from django.conf import settings

    from consonance.journal.models import Note
    from consonance.mail.ingest import ingest_once
    from tests.dkim_keys import DNSFUNC
    from tests.factories import make_client, make_email_consultation
    from tests.imap_server import PASSWORD, USER, Dovecot

    server = Dovecot()
    server.start()
    try:
        settings.CONSONANCE_IMAP_HOST = "127.0.0.1"
        settings.CONSONANCE_IMAP_PORT = server.port
        settings.CONSONANCE_IMAP_USER = USER
        settings.CONSONANCE_IMAP_PASSWORD = PASSWORD
        settings.CONSONANCE_IMAP_SECURITY = "none"
        settings.CONSONANCE_DKIM_DNSFUNC = DNSFUNC  # the test key's DNS (no real DNS here)
        make_email_consultation(make_client("asa@example.se"), exchanges=50, days=365)
        raws = _messages(n)
        with server.client() as client:
            for raw in raws:
                client.append("INBOX", raw)
        # Baseline: the protocol alone (fetch every message, file nothing).
        started = time.perf_counter()
        with server.client() as client:
            client.select_folder("INBOX", readonly=True)
            uids = client.search("ALL")
            for start in range(0, len(uids), 100):
                client.fetch(uids[start : start + 100], ["BODY.PEEK[]"])
        baseline = time.perf_counter() - started
        started = time.perf_counter()
        stats = ingest_once()
        elapsed = time.perf_counter() - started
        assert stats.filed == n, stats
        assert server.count("INBOX") == 0 and server.count("Trash") == 0
        assert Note.objects.filter(kind="message_in").count() == n
    finally:
        server.stop()
    return {
        "messages": n,
        "seconds": round(elapsed, 2),
        "messages_per_second": round(n / elapsed, 1),
        "baseline_fetch_seconds": round(baseline, 2),
        "target_seconds": INGEST_TARGET_S,
        "meets_target": elapsed < INGEST_TARGET_S,
    }


def _signed_in_client():
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    key = "3132333435363738393031323334353637383930"
    user = get_user_model().objects.create_user(
        "bench", password="a-long-bench-password", is_staff=True, is_superuser=True
    )
    TOTPDevice.objects.create(user=user, name="phone", key=key, confirmed=True)
    client = Client(HTTP_HOST="127.0.0.1")
    client.post("/staff/login/", {"username": "bench", "password": "a-long-bench-password"})
    response = client.post("/staff/verify/", {"otp_token": f"{totp(bytes.fromhex(key)):06d}"})
    assert response.status_code == 302
    return client


def _card(client, person, notes: int) -> list[float]:
    from consonance.audit.services import SYSTEM
    from consonance.journal.services import note_create

    for i in range(notes):
        note_create(
            person=person,
            body=f"Anteckning {i}: samtal om sömn, stress och gränser. " * 6,
            actor=SYSTEM,
        )
    url = f"/staff/journal/clients/{person.pk}/"
    assert client.get(url).status_code == 200  # warm-up
    samples = []
    for _ in range(CARD_SAMPLES):
        started = time.perf_counter()
        response = client.get(url)
        samples.append(time.perf_counter() - started)
        assert response.status_code == 200
    return samples


def bench_card(notes: int) -> dict:
    from tests.factories import make_client

    client = _signed_in_client()
    small = _card(client, make_client("liten@example.se"), 10)
    big = _card(client, make_client("stor@example.se"), notes)
    return {
        "notes": notes,
        "p50_ms": round(statistics.median(big) * 1000, 1),
        "p95_ms": round(p95(big) * 1000, 1),
        "baseline_10_notes_p95_ms": round(p95(small) * 1000, 1),
        "target_p95_ms": CARD_TARGET_MS,
        "meets_target": p95(big) * 1000 < CARD_TARGET_MS,
    }


def child(url: str, out: str, messages: int, notes: int) -> None:
    from _common import setup_django

    setup_django(url)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    result = {"ingest": bench_ingest(messages), "card": bench_card(notes)}
    Path(out).write_text(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=size(1000, 10))
    parser.add_argument("--notes", type=int, default=size(500, 5))
    parser.add_argument("--database-url")
    parser.add_argument("--json-out")
    args = parser.parse_args()
    if args.database_url:
        child(args.database_url, args.json_out, args.messages, args.notes)
        return
    import subprocess

    results = []
    from _common import databases, fresh_database

    for label, url in databases("journal"):
        fresh_database(url)
        out = Path(__file__).resolve().parent.parent / "var" / f"bench_journal_{label}.json"
        subprocess.run(
            [
                sys.executable,
                __file__,
                "--database-url",
                url,
                "--json-out",
                str(out),
                "--messages",
                str(args.messages),
                "--notes",
                str(args.notes),
            ],
            check=True,
        )
        results.append({"database": label, **json.loads(out.read_text())})
    print_table(
        [
            "database",
            "ingest s",
            "msg/s",
            "fetch-only s",
            "card p50 ms",
            "card p95 ms",
            "10-note p95 ms",
        ],
        [
            [
                r["database"],
                r["ingest"]["seconds"],
                r["ingest"]["messages_per_second"],
                r["ingest"]["baseline_fetch_seconds"],
                r["card"]["p50_ms"],
                r["card"]["p95_ms"],
                r["card"]["baseline_10_notes_p95_ms"],
            ]
            for r in results
        ],
    )
    print(f"targets: ingest < {INGEST_TARGET_S} s, card p95 < {CARD_TARGET_MS} ms")
    write_results("journal", {"results": results})


if __name__ == "__main__":
    main()
