"""Peak memory of `consonance mail ingest` with eight 25 MB mails in the inbox (issue 21, finding 8).

A real Dovecot on loopback (tests/imap_server.py) gets `--messages` DKIM-signed mails of about
`--size-mb` MB each from a client with an open e-mail consultation; then `consonance mail ingest
--json` runs once in a child process and its peak resident memory is measured (GNU time's %M). A second case puts the same mails over the cap (CONSONANCE_IMAP_MAX_MESSAGE lowered):
parked, never downloaded. SQLite only: the memory is the message's, not the database's.

    .venv/bin/python bench/ingest_memory.py                  # this checkout
    .venv/bin/python bench/ingest_memory.py --source /tmp/main-export --label main --no-write

`--source` runs the ingestion of another checkout (e.g. `git archive main`) for a before/after.
BENCH_IMAP_PORT chooses Dovecot's port (a free one by default).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, print_table, smoke, write_results

sys.path.insert(0, str(ROOT))
from tests.dkim_keys import PUBLIC_KEY, sign
from tests.imap_server import PASSWORD, USER, Dovecot

CLIENT = "asa@example.se"
TIME = "/usr/bin/time"  # GNU time (Debian package "time")

SETUP = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from tests.factories import make_client, make_email_consultation
make_email_consultation(make_client("asa@example.se"))
"""

# The installed command, with the test key's DNS in place of the real one (unreachable here).
INGEST = """
import os, sys
from django.conf import settings
import django
django.setup()
settings.CONSONANCE_DKIM_DNSFUNC = lambda name, timeout=5: (
    ("v=DKIM1; k=rsa; p=" + os.environ["DKIM_PUBLIC_KEY"]).encode()
    if name.decode().rstrip(".") == "test._domainkey.example.se" else None
)
from consonance.__main__ import main
sys.argv = ["consonance", "mail", "ingest", "--json"]
main()
"""


def big_mail(n: int, size: int) -> bytes:
    message = EmailMessage()
    message["From"] = f"Åsa Öberg <{CLIENT}>"
    message["To"] = "coach@example.se"
    message["Subject"] = f"Bilder {n}"
    message["Message-ID"] = make_msgid()
    message.set_content("Här är bilderna från helgen.")
    # base64 makes 3 bytes 4: an attachment of 3/4 of the size gives a message of about it.
    payload = os.urandom(size * 3 // 4 - 2048)
    message.add_attachment(payload, maintype="image", subtype="jpeg", filename=f"bild{n}.jpg")
    return sign(message.as_bytes())


def child_env(source: Path, database: Path, port: int, cap: int | None) -> dict[str, str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(source),
        "DJANGO_SETTINGS_MODULE": "consonance.settings",
        "CONSONANCE_DEBUG": "1",
        "CONSONANCE_LOG_LEVEL": "WARNING",
        "DATABASE_URL": f"sqlite:///{database}",
        "CONSONANCE_IMAP_HOST": "127.0.0.1",
        "CONSONANCE_IMAP_PORT": str(port),
        "CONSONANCE_IMAP_USER": USER,
        "CONSONANCE_IMAP_PASSWORD": PASSWORD,
        "CONSONANCE_IMAP_SECURITY": "none",
        "DKIM_PUBLIC_KEY": PUBLIC_KEY,
    }
    if cap is not None:
        env["CONSONANCE_IMAP_MAX_MESSAGE"] = str(cap)
    return env


def measure(source: Path, server: Dovecot, mails: list[bytes], cap: int | None) -> dict:
    """One ingestion of `mails` from an empty database: peak RSS, time and counts."""
    database = ROOT / "var" / "bench_ingest_memory.sqlite3"
    database.parent.mkdir(exist_ok=True)
    database.unlink(missing_ok=True)
    env = child_env(source, database, server.port, cap)
    subprocess.run([sys.executable, "-c", SETUP], env=env, cwd=source, check=True)
    for folder in ("INBOX", "Sent", "Trash"):
        server.empty(folder)
    for raw in mails:
        server.deliver(raw)
    # GNU time reports the child's peak RSS. Not wait4 from here: Linux counts the RSS of the
    # process that forks into a child's maximum, and this one holds all the mails.
    peak = ROOT / "var" / "bench_ingest_memory.rss"
    start = time.perf_counter()
    child = subprocess.run(
        [TIME, "-f", "%M", "-o", str(peak), sys.executable, "-c", INGEST],
        env=env,
        cwd=source,
        stdout=subprocess.PIPE,
    )
    seconds = time.perf_counter() - start
    output = child.stdout.decode().strip()
    counts = json.loads(output.splitlines()[-1]) if output else {}
    return {
        "peak_rss_mib": round(int(peak.read_text().split()[-1]) / 1024, 1),  # kilobytes
        "seconds": round(seconds, 2),
        "exit_code": child.returncode,
        "counts": counts,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--messages", type=int, default=1 if smoke() else 8)
    parser.add_argument("--size-mb", type=float, default=0.5 if smoke() else 25.0)
    parser.add_argument("--source", type=Path, default=ROOT)
    parser.add_argument("--label", default="this checkout")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    size = int(args.size_mb * 1_000_000)
    server = Dovecot()
    server.port = int(os.environ.get("BENCH_IMAP_PORT") or server.port)
    server.start()
    try:
        mails = [big_mail(n, size) for n in range(args.messages)]
        actual = round(sum(map(len, mails)) / len(mails) / 1_000_000, 1)
        cases = {"under the cap (read in)": None, "over the cap (parked)": size // 2}
        rows = []
        for case, cap in cases.items():
            result = measure(args.source.resolve(), server, mails, cap)
            rows.append({"source": args.label, "case": case, "mb_each": actual, **result})
    finally:
        server.stop()
    print_table(
        ["source", "case", "messages", "MB each", "peak RSS MiB", "seconds", "exit", "counts"],
        [
            [
                r["source"],
                r["case"],
                args.messages,
                r["mb_each"],
                r["peak_rss_mib"],
                r["seconds"],
                r["exit_code"],
                json.dumps(r["counts"]),
            ]
            for r in rows
        ],
    )
    if not args.no_write:
        path = write_results("ingest_memory", {"messages": args.messages, "rows": rows})
        print(f"written: {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
