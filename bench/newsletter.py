"""A newsletter to 10 000 subscribers through a local SMTP server (aiosmtpd), against raw smtplib
sending the same messages over one reused connection.

Targets (issue 10, raised by issue 23): all 10 000 in under 60 s, at no less than 0.9 of the raw
rate. Ours includes
everything a campaign does: creating the 10 000 send records, the per-batch recipient checks
(restriction, objection, suppression), rendering each copy with its own unsubscribe link, and
marking each recipient sent (committed once per window of CONSONANCE_NEWSLETTER_WINDOW
messages). The raw baseline only pushes pre-built bytes (the same bytes: built by the same
code, so the same sizes) to the same server process, one message at a time.

Both sides run with DEBUG off, as in production (the query log cost only our side).
BENCH_SMTP_PORTS ("26000-26099") keeps the SMTP server to a range of ports, for benchmarks run
side by side; BENCH_NEWSLETTER_MESSAGES changes the 10 000; --profile FILE writes a cProfile of
our side ("{db}" in FILE becomes sqlite or pg).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import smtplib
import socket
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import print_table, run_per_database, smoke, write_results

N = 50 if smoke() else int(os.environ.get("BENCH_NEWSLETTER_MESSAGES", 10_000))
TARGET_SECONDS = 60
TARGET_SHARE = 0.9


class _Counter:
    """The SMTP server's handler: counts accepted messages (in a shared value). It offers
    PIPELINING, as Postfix and every common MTA do (aiosmtpd reads pipelined commands in order;
    it only does not say so); raw smtplib does not use it, our sender does."""

    def __init__(self, count) -> None:
        self.count = count

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        responses.insert(-1, "250-PIPELINING")
        return responses

    async def handle_DATA(self, server, session, envelope):
        with self.count.get_lock():
            self.count.value += 1
        return "250 OK"


def _serve(port: int, count, stop) -> None:
    """The local SMTP server, in its own process as a real MTA would be."""
    from aiosmtpd.controller import Controller

    controller = Controller(_Counter(count), hostname="127.0.0.1", port=port)
    controller.start()
    stop.wait()
    controller.stop()


def _people(n: int) -> None:
    from django.utils import timezone

    from consonance.newsletter.models import Subscription
    from consonance.people.models import Person

    now = timezone.now()
    Person.objects.bulk_create(
        (
            Person(email=f"s{i:05d}@example.se", first_name="Bench", last_name=f"S{i}")
            for i in range(n)
        ),
        batch_size=2000,
    )
    Subscription.objects.bulk_create(
        (
            Subscription(person_id=pk, subscribed_at=now, confirmed_at=now)
            for pk in Person.objects.values_list("pk", flat=True)
        ),
        batch_size=2000,
    )


def _smtp_port() -> int:
    """A free port for the SMTP server: the first free one in BENCH_SMTP_PORTS ("26000-26099")
    when it is set (so that benchmarks run side by side keep to their own ports), else any."""
    first, _, last = os.environ.get("BENCH_SMTP_PORTS", "0-0").partition("-")
    for port in range(int(first), int(last or first) + 1):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return probe.getsockname()[1]
    raise OSError(f"no free port in BENCH_SMTP_PORTS={os.environ['BENCH_SMTP_PORTS']}")


def _profiled(fn, out: str):
    """`fn()` under cProfile (the sender's thread), with the statements it ran on its own
    connection (count and time); the top functions and those figures written to `out`."""
    import cProfile
    import io
    import pstats

    from django.db import connection

    queries = {"n": 0, "seconds": 0.0}

    def counted(execute, sql, params, many, context):
        begin = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            queries["n"] += 1
            queries["seconds"] += time.perf_counter() - begin

    profiler = cProfile.Profile()
    begin = time.perf_counter()
    with connection.execute_wrapper(counted):
        result = profiler.runcall(fn)
    wall = time.perf_counter() - begin
    text = io.StringIO()
    text.write(
        f"messages {N}; wall {wall:.2f} s (under cProfile); load average "
        f"{os.getloadavg()[0]:.1f}; sender's connection: {queries['n']} statements, "
        f"{queries['seconds']:.2f} s (the marks thread's own connection is not counted)\n\n"
    )
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("cumulative").print_stats(45)
    stats.sort_stats("tottime").print_stats(30)
    Path(out).write_text(text.getvalue())
    return result


def measure(url: str, profile: str | None = None) -> dict:
    port = _smtp_port()
    count = multiprocessing.Value("i", 0)
    stop = multiprocessing.Event()
    server = multiprocessing.get_context("fork").Process(target=_serve, args=(port, count, stop))
    server.start()
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    from _common import setup_django

    setup_django(url)
    from django.conf import settings

    # As in production: no query log (DEBUG keeps every statement, which only our side runs).
    settings.DEBUG = False

    from consonance.audit.services import SYSTEM
    from consonance.mail.bulk import mail_bulk_bytes
    from consonance.newsletter import sending
    from consonance.newsletter.campaigns import campaign_create, campaign_start
    from consonance.newsletter.models import Campaign, Delivery

    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 20},
        }
    }
    settings.SITE_URL = "https://praktik.example.se"
    _people(N)
    body = "Hej!\n\nEtt **nyhetsbrev** med en [länk](https://example.se/).\n" * 5

    # Ours: start (10 000 send records) and deliver, as the worker does.
    def ours_run():
        campaign = campaign_create(subject_sv="Bänk", body_sv=body, actor=SYSTEM)
        campaign = campaign_start(campaign=campaign, actor=SYSTEM)
        return campaign, sending.campaign_deliver(campaign.pk)

    start = time.perf_counter()
    if profile:
        label = "sqlite" if url.startswith("sqlite") else "pg"
        campaign, outcome = _profiled(ours_run, profile.replace("{db}", label))
    else:
        campaign, outcome = ours_run()
    ours = time.perf_counter() - start
    print(f"ours: {ours:.1f} s", file=sys.stderr)
    assert outcome == "done" and count.value == N, (outcome, count.value)
    assert Delivery.objects.filter(campaign=campaign, state="sent").count() == N

    # The same messages, built beforehand, pushed by raw smtplib over one connection.
    editions: dict = {}
    sender = settings.DEFAULT_FROM_EMAIL
    deliveries = list(campaign.deliveries.select_related("person").order_by("pk"))
    prepared = []
    sent = Campaign.objects.get(pk=campaign.pk)
    for delivery in deliveries:
        message = sending._message(sent, editions, delivery)
        prepared.append((sender, [message.to], mail_bulk_bytes(message)))
    count.value = 0
    start = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for sender, to, raw in prepared:
            smtp.sendmail(sender, to, raw)
    raw_seconds = time.perf_counter() - start
    assert count.value == N
    stop.set()
    server.join()
    return {
        "messages": N,
        "ours_seconds": round(ours, 2),
        "ours_per_s": round(N / ours),
        "raw_seconds": round(raw_seconds, 2),
        "raw_per_s": round(N / raw_seconds),
        "share_of_raw": round(raw_seconds / ours, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url")
    parser.add_argument("--json-out")
    parser.add_argument("--profile", help="write a cProfile of our side to this file (.txt)")
    args = parser.parse_args()
    if args.database_url:
        Path(args.json_out).write_text(json.dumps(measure(args.database_url, args.profile)))
        return
    extra = []
    if args.profile:
        extra = ["--profile", args.profile]
    results = run_per_database(__file__, "newsletter", extra)
    for r in results:
        r["met"] = r["ours_seconds"] < TARGET_SECONDS and r["share_of_raw"] >= TARGET_SHARE
    print_table(
        ["database", "ours (s)", "ours msg/s", "raw smtplib (s)", "raw msg/s", "share of raw",
         "target < 60 s and ≥ 0.9"],
        [
            [r["database"], r["ours_seconds"], r["ours_per_s"], r["raw_seconds"], r["raw_per_s"],
             r["share_of_raw"], "met" if r["met"] else "MISSED"]
            for r in results
        ],
    )  # fmt: skip
    write_results(
        "newsletter",
        {"target_seconds": TARGET_SECONDS, "target_share": TARGET_SHARE, "results": results},
    )


if __name__ == "__main__":
    main()
