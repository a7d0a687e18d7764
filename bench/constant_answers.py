"""Constant answers (issue 21, finding 4): does a form that takes an address answer in the same
time for a known address as for an unknown one?

For each form, TRIES posts with a known address and TRIES with an unknown one, interleaved (so
that the machine's load falls on both alike), through Django's test client with production
settings and the database task queue (jobs are queued, as in production, and not run: the
worker does the address-dependent work). Rate limits are lifted for the run. Per form: median
and p95 of each, the difference of the medians, and a Mann-Whitney U test (two-sided; normal
approximation with ties): p < 0.01 means the two are told apart.

    python bench/constant_answers.py [--tries 200] [--before DIR]

`--before DIR`: also measure the code in DIR (e.g. `git archive <commit> | tar -x -C DIR`), so
the table shows before and after side by side.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    ROOT,
    databases,
    fresh_database,
    p95,
    print_table,
    production_settings,
    size,
    write_results,
)

TRIES = size(200, 4)
WARM_UP = size(10, 1)
DISTINGUISHABLE_P = 0.01


def mann_whitney(a: list[float], b: list[float]) -> tuple[float, float]:
    """U of `a` and the two-sided p-value (normal approximation, tie-corrected)."""
    ranked = sorted([(v, 0) for v in a] + [(v, 1) for v in b])
    ranks = [0.0] * len(ranked)
    ties = 0.0
    i = 0
    while i < len(ranked):
        j = i
        while j + 1 < len(ranked) and ranked[j + 1][0] == ranked[i][0]:
            j += 1
        for k in range(i, j + 1):
            ranks[k] = (i + j) / 2 + 1
        ties += (j - i + 1) ** 3 - (j - i + 1)
        i = j + 1
    n1, n2 = len(a), len(b)
    r1 = sum(r for r, (_v, group) in zip(ranks, ranked, strict=True) if group == 0)
    u = r1 - n1 * (n1 + 1) / 2
    n = n1 + n2
    sigma = math.sqrt(n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1))))
    z = (u - n1 * n2 / 2) / sigma if sigma else 0.0
    return u, math.erfc(abs(z) / math.sqrt(2))


# -- the child: one database, one source tree ----------------------------------------------------


def _setup(url: str, tree: Path) -> None:
    import datetime as dt

    os.environ["DATABASE_URL"] = url
    production_settings()
    os.environ.setdefault("CONSONANCE_LOG_LEVEL", "ERROR")
    os.environ["DJANGO_SETTINGS_MODULE"] = "consonance.settings"
    sys.path.insert(0, str(tree))  # the tree measured, before the installed one
    import django
    from django.conf import settings
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    settings.RATE_LIMIT_PER_IP = settings.RATE_LIMIT_PER_ADDRESS = (10**9, 3600)
    from consonance.contact import protection

    protection.IP_LIMITS = protection.ADDRESS_LIMITS = ((dt.timedelta(hours=1), 10**9),)
    settings.STORAGES["staticfiles"] = {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
    }


def _people() -> None:
    from decimal import Decimal

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from consonance.audit.services import SYSTEM
    from consonance.booking.models import Service
    from consonance.consent.texts import NEWSLETTER, consent_text
    from consonance.mail.outbox import mail_suppress
    from consonance.newsletter.services import subscription_create
    from consonance.people.models import MemberProfile
    from consonance.people.services import person_get_or_create

    for email in ("olle@example.se", "karin0@example.se"):
        person_get_or_create(email=email, first_name="Olle", last_name="Ek", actor=SYSTEM)
    klara, _ = person_get_or_create(
        email="klara@example.se", first_name="Klara", last_name="Ek", actor=SYSTEM
    )
    user = get_user_model().objects.create_user("member-bench")
    MemberProfile.objects.create(person=klara, user=user)
    subscription_create(
        person=klara,
        consent_given_at=timezone.now(),
        actor=SYSTEM,
        confirmed=True,
        shown=consent_text(NEWSLETTER, "sv"),
        method="double_opt_in",
    )
    mail_suppress(email="gone@example.se", reason="erasure")
    Service.objects.create(
        name_sv="E-postkonsultation",
        name_en="E-mail consultation",
        kind=Service.Kind.EMAIL,
        duration_minutes=30,
        price=Decimal("1500.00"),
    )


def _contact_fields(i: int, known: bool) -> dict:
    import base64
    import datetime as dt

    import altcha
    from django.utils import timezone

    from consonance.contact.protection import challenge_json, form_token

    data = json.loads(challenge_json())
    solution = altcha.solve_challenge_v1(
        data["challenge"], data["salt"], data["algorithm"], data["maxNumber"]
    )
    payload = {k: data[k] for k in ("algorithm", "challenge", "salt", "signature")}
    payload["number"] = solution.number
    return {
        "name": "Karin Sjöberg",
        "email": "karin0@example.se" if known else f"karin{i + 1}@example.se",
        "message": "Hej! Har du lediga tider i januari?",
        "website": "",
        "token": form_token(timezone.now() - dt.timedelta(seconds=30)),
        "altcha": base64.b64encode(json.dumps(payload).encode()).decode(),
    }


def _rights_client():
    from django.test import Client

    from consonance.people.models import Person
    from consonance.rights.tokens import link_token

    client = Client()
    token = link_token(Person.objects.get(email="klara@example.se"))
    assert client.post("/mina-uppgifter/in/", {"token": token}).status_code == 302
    return client


def _forms() -> dict[str, object]:
    """Per form: post(client, known, i) -> response."""
    from django.conf import settings

    from consonance.booking.models import Service

    settings.BANKGIRO_NUMBER = "5050-1055"
    rights = _rights_client()

    def rectify(_client, known: bool, _i: int):
        address = "olle@example.se" if known else "ny.adress@example.se"
        data = {"first_name": "Klara", "last_name": "Ek", "email": address}
        return rights.post("/mina-uppgifter/ratta/", data)

    def contact(client, known: bool, i: int):
        return client.post("/kontakt/", _contact_fields(i, known))

    def link(client, known: bool, _i: int):
        address = "klara@example.se" if known else "nobody@example.se"
        return client.post("/mina-uppgifter/", {"email": address})

    def signin(client, known: bool, _i: int):
        address = "klara@example.se" if known else "nobody@example.se"
        return client.post("/konto/", {"email": address})

    def newsletter(client, known: bool, _i: int):
        address = "gone@example.se" if known else "new@example.se"
        data = {"first_name": "A", "last_name": "B", "email": address, "consent": "on"}
        return client.post("/nyhetsbrev/", data)

    def booking(client, known: bool, i: int):
        # An e-mail consultation by Bankgiro invoice: no slot to run out of. A new address each
        # time for the stranger (a booking makes her a person).
        address = "klara@example.se" if known else f"ny{i}@example.se"
        data = {"first_name": "Klara", "last_name": "Ek", "email": address, "method": "bankgiro"}
        return client.post(f"/boka/{package.pk}/", data)

    package = Service.objects.get(kind=Service.Kind.EMAIL)
    return {
        "privacy-center link (client / stranger)": link,
        "member sign-in (member / stranger)": signin,
        "newsletter sign-up (erased address / new)": newsletter,
        "contact form (client / new sender)": contact,
        "rectification (address taken / free)": rectify,
        "booking, not restricted (client / new client)": booking,
    }


def _measure(post, tries: int) -> tuple[list[float], list[float]]:
    import time

    from django.test import Client

    known, unknown = [], []
    for i in range(-WARM_UP, tries):
        for is_known, into in ((True, known), (False, unknown))[:: 1 if i % 2 else -1]:
            client = Client()
            start = time.perf_counter()
            response = post(client, is_known, i + WARM_UP)
            spent = time.perf_counter() - start
            assert response.status_code in (200, 302), response.status_code
            if i >= 0:
                into.append(spent)
    return known, unknown


def child(url: str, tree: Path, out: Path, tries: int) -> None:
    _setup(url, tree)
    _people()
    figures = {}
    for name, post in _forms().items():
        known, unknown = _measure(post, tries)
        _u, p = mann_whitney(known, unknown)
        ms = 1000
        figures[name] = {
            "known_median_ms": round(statistics.median(known) * ms, 2),
            "known_p95_ms": round(p95(known) * ms, 2),
            "unknown_median_ms": round(statistics.median(unknown) * ms, 2),
            "unknown_p95_ms": round(p95(unknown) * ms, 2),
            "difference_ms": round((statistics.median(known) - statistics.median(unknown)) * ms, 2),
            "mann_whitney_p": float(f"{p:.3g}"),
            "distinguishable": p < DISTINGUISHABLE_P,
        }
    out.write_text(json.dumps(figures))


# -- the parent ----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tries", type=int, default=TRIES)
    parser.add_argument("--before", help="a source tree to measure too (the code before)")
    parser.add_argument("--database-url")
    parser.add_argument("--tree")
    parser.add_argument("--json-out")
    args = parser.parse_args()
    if args.database_url:
        child(args.database_url, Path(args.tree), Path(args.json_out), args.tries)
        return
    trees = [("after", ROOT)] + ([("before", Path(args.before).resolve())] if args.before else [])
    results, rows = [], []
    for label, url in databases("constant_answers"):
        for version, tree in trees:
            fresh_database(url)
            out = ROOT / "var" / f"bench_constant_answers_{label}_{version}.json"
            command = [sys.executable, __file__, "--database-url", url, "--tree", str(tree)]
            command += ["--json-out", str(out), "--tries", str(args.tries)]
            subprocess.run(command, check=True)
            for form, f in json.loads(out.read_text()).items():
                results.append({"database": label, "code": version, "form": form, **f})
                rows.append(
                    [
                        label,
                        version,
                        form,
                        f"{f['known_median_ms']} / {f['known_p95_ms']}",
                        f"{f['unknown_median_ms']} / {f['unknown_p95_ms']}",
                        f["difference_ms"],
                        f["mann_whitney_p"],
                        "yes" if f["distinguishable"] else "no",
                    ]
                )
    print_table(
        [
            "database",
            "code",
            "form (known / unknown)",
            "known p50/p95 ms",
            "unknown p50/p95 ms",
            "Δ p50 ms",
            "Mann-Whitney p",
            f"told apart (p < {DISTINGUISHABLE_P})",
        ],
        rows,
    )
    path = write_results(
        "constant_answers",
        {"tries": args.tries, "threshold_p": DISTINGUISHABLE_P, "results": results},
    )
    print(f"\nwritten to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
