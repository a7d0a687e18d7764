"""Every URL under test by construction (issue 12): the URLconf is walked, so a URL added
tomorrow is fetched here the day it lands.

Each pattern (in Swedish and in English) is filled with hostile arguments (ids of real rows and
of none, huge numbers, NUL, markup, long and non-ASCII strings, tampered and expired tokens) and
fetched with GET and POST as four visitors: anonymous, another client signed into the privacy
center, staff with only the password, and staff with both factors. Nothing may answer 5xx; staff
and admin pages answer nobody but staff with both factors; markup sent in is never reflected
unescaped.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import signing
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import translation
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from consonance.booking.tokens import booking_token
from consonance.rights.erasure import person_erase
from consonance.rights.models import ErasureReceipt
from consonance.rights.tokens import person_state
from consonance.rights.views import SESSION_KEY
from tests.factories import book_by_bankgiro, populated_person

pytestmark = pytest.mark.django_db(transaction=True)

MARKUP = "<script>alert(1)</script>"
HOSTILE_TEXT = [
    "x",
    "A" * 3000,
    "%00",
    "a%00b",
    "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "%C3%A5%C3%A4%C3%B6%E2%9C%93%F0%9F%98%80",
    "..%2F..%2Fetc%2Fpasswd",
    "%FF%FE",
    "99991231T2359Z",
    "00010101T0000Z",
]
HOSTILE_INT = ["0", "1", "2", "999999999999999999999999", "9223372036854775808"]
PARAM = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")
GROUP = re.compile(r"\(\?P<(?P<name>\w+)>[^)]*\)")
STAFF_PREFIXES = ("staff/", "admin/")
OPEN_STAFF = {"staff/login/", "staff/verify/", "staff/enrol/", "staff/logout/"}
# POSTing these would end the visitor's session for the URLs that follow.
SESSION_ENDING = {"logout", "signout", "erase"}


@dataclass(frozen=True)
class Route:
    template: str  # "boka/<int:service_id>/" or a regex
    name: str | None
    regex: bool


def routes() -> Iterator[Route]:
    def walk(patterns, prefix: str) -> Iterator[Route]:
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                text = prefix + str(p.pattern)
                regex = "(?P<" in text or text.startswith("^") or text.endswith("$")
                yield Route(text.replace("^", "").replace("$", ""), p.name, regex)

    seen: set[str] = set()
    for language in ("sv", "en"):
        with translation.override(language):
            for route in walk(get_resolver().url_patterns, ""):
                if route.template not in seen:
                    seen.add(route.template)
                    yield route


def fill(route: Route, tokens: list[str], ids: list[str]) -> list[str]:
    """Concrete paths for a route: each argument takes each hostile value (the others stay at
    the first value)."""
    params = [m for m in PARAM.finditer(route.template)] if not route.regex else []
    groups = [m for m in GROUP.finditer(route.template)] if route.regex else []
    if not params and not groups:
        return ["/" + route.template]

    def values(conv: str | None) -> list[str]:
        return HOSTILE_INT + ids if conv == "int" else HOSTILE_TEXT + tokens

    slots = [(m, values(m["conv"])) for m in params] or [(m, HOSTILE_TEXT) for m in groups]
    paths = []
    for index, (_match, options) in enumerate(slots):
        for option in options:
            text = route.template
            # Replace from the right so earlier offsets stay valid.
            for j, (m, opts) in reversed(list(enumerate(slots))):
                value = option if j == index else opts[0]
                text = text[: m.start()] + value + text[m.end() :]
            paths.append("/" + text)
    return paths


def tampered(token: str) -> str:
    return token[:-1] + ("A" if token[-1] != "A" else "B")


@pytest.fixture
def world(practice, staff_user):
    """A client A with a booking and an erased person's receipt; B is the other client."""
    video, _package = practice
    with time_machine.travel(time.time(), tick=True):
        client = Client()
        _response, booking = book_by_bankgiro(client, video, n=1)
    victim = populated_person("offer@example.se", "Olga", "Offer")
    receipt = person_erase(person=victim, actor="system")
    other = populated_person("other@example.se", "Bo", "Annan")
    status = booking_token(booking, "status")
    with time_machine.travel(time.time() - 3 * 365 * 86400):
        old = signing.dumps([booking.pk, booking.nonce], salt="booking.status")
    tokens = [
        tampered(status),
        tampered(booking_token(booking, "cancel")),
        tampered(receipt.token),
        old,  # signed correctly, three years ago
        signing.dumps([booking.pk, "not-the-nonce"], salt="booking.status"),
    ]
    ids = sorted({str(booking.pk), str(booking.order_id), str(booking.person_id), str(other.pk)})
    return {"tokens": tokens, "ids": ids, "other": other, "booking": booking, "receipt": receipt}


def visitors(world, staff_user) -> dict[str, Client]:
    anonymous = Client(raise_request_exception=False)
    client = Client(raise_request_exception=False)
    session = client.session
    other = world["other"]
    session[SESSION_KEY] = {"p": other.pk, "s": person_state(other), "until": time.time() + 600}
    session.save()
    password_only = Client(raise_request_exception=False)
    password_only.force_login(staff_user)
    staff = Client(raise_request_exception=False)
    staff.force_login(staff_user)
    session = staff.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=staff_user).persistent_id
    session.save()
    return {
        "anonymous": anonymous,
        "client": client,
        "password-only": password_only,
        "staff": staff,
    }


# /healthz answers 503 when a check fails, as it must here: this world has no worker and no backup
# (tests/test_health.py tests its answers).
HEALTH_FAILING = ("/healthz", 503)


def check(response, path: str, who: str, method: str) -> list[str]:
    problems = []
    if response.status_code >= 500 and (path, response.status_code) != HEALTH_FAILING:
        problems.append(f"{method} {path[:120]} as {who}: {response.status_code}")
    if response.status_code == 200 and who != "staff":
        bare = path.split("/", 3)[-1] if path.startswith("/en/") else path.lstrip("/")
        if bare.startswith(STAFF_PREFIXES) and path.lstrip("/") not in OPEN_STAFF:
            problems.append(f"{method} {path[:120]} as {who}: 200 on a staff page")
    content = getattr(response, "content", b"")
    if MARKUP.encode() in content:
        problems.append(f"{method} {path[:120]} as {who}: markup reflected unescaped")
    return problems


def test_every_url_pattern_answers_hostile_arguments_and_strangers_without_5xx(
    world, staff_user, settings
):
    settings.RATE_LIMIT_PER_IP = (100000, 3600)
    settings.RATE_LIMIT_PER_ADDRESS = (100000, 3600)
    problems: list[str] = []
    covered = 0
    requests = 0
    for route in routes():
        covered += 1
        clients = visitors(world, staff_user)
        for path in fill(route, world["tokens"], world["ids"]):
            for who, client in clients.items():
                response = client.get(path, {"sida": "9" * 30, "tz": MARKUP, "next": MARKUP})
                problems += check(response, path, who, "GET")
                requests += 1
                if route.name in SESSION_ENDING:
                    continue
                response = client.post(path, {"email": MARKUP, "token": MARKUP, "q": "\x00"})
                problems += check(response, path, who, "POST")
                requests += 1
    print(f"{covered} URL patterns, {requests} requests, {len(problems)} problems")
    assert covered >= 100
    assert not problems, "\n".join(problems[:80])
    assert ErasureReceipt.objects.filter(pk=world["receipt"].pk).exists()
    assert get_user_model().objects.filter(username="coach", is_active=True).exists()
