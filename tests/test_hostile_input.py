"""Hostile input, generated (hypothesis): every public form and every URL parameter is fed
long text, NUL, unicode, markup, huge numbers and bad dates. Nothing answers 5xx and nothing
sent in comes back unescaped. Bounded (a few dozen examples each) so the suite stays fast."""

from __future__ import annotations

import itertools

import pytest
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from tests.factories import populated_person, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

MARK = "<b>x</b>"
SERIAL = itertools.count()
nasty_text = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1000, max_size=5000),
    st.sampled_from(
        [
            "\x00",
            "a\x00@example.se",
            MARK,
            f'"><script>alert(1)</script>{MARK}',
            "9" * 400,
            "-1",
            "1e309",
            "99991231T2359Z",
            "0000-00-00",
            "𝔘𝔫𝔦𝔠𝔬𝔡𝔢@exämple.se",
            "%00%0d%0aSet-Cookie:x=1",
            "../../../../etc/passwd",
        ]
    ),
)
EXAMPLES = hsettings(
    max_examples=25,
    deadline=None,
    database=None,  # no .hypothesis/ folder in the working tree
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def assert_sound(response, *sent: str) -> None:
    assert response.status_code < 500
    body = getattr(response, "content", b"").decode("utf-8", "replace")
    for value in sent:
        if "<" in value and len(value) > 3:
            assert value not in body, "input reflected unescaped"


@pytest.fixture
def open_limits(settings):
    settings.RATE_LIMIT_PER_IP = (10**6, 3600)
    settings.RATE_LIMIT_PER_ADDRESS = (10**6, 3600)


@EXAMPLES
@given(email=nasty_text, extra=nasty_text)
def test_privacy_center_link_request(email, extra, open_limits):
    client = Client(raise_request_exception=False)
    assert_sound(client.post("/mina-uppgifter/", {"email": email, "x": extra}), email, extra)
    assert_sound(client.post("/en/my-data/", {"email": email}), email)


@EXAMPLES
@given(token=nasty_text)
def test_privacy_center_sign_in_token(token, open_limits):
    client = Client(raise_request_exception=False)
    response = client.post("/mina-uppgifter/in/", {"token": token})
    assert response.status_code in (200, 400)
    assert_sound(response, token)


@EXAMPLES
@given(first=nasty_text, last=nasty_text, email=nasty_text, method=nasty_text, phone=nasty_text)
def test_booking_form(first, last, email, method, phone, practice, open_limits):
    _video, package = practice
    client = Client(raise_request_exception=False)
    data = {"first_name": first, "last_name": last, "email": email, "method": method}
    data["phone"] = phone
    assert_sound(client.post(f"/boka/{package.pk}/", data), first, last, email, method, phone)


@EXAMPLES
@given(page=nasty_text, zone=nasty_text, start=nasty_text)
def test_booking_url_parameters(page, zone, start, practice):
    video, _package = practice
    client = Client(raise_request_exception=False)
    assert_sound(client.get(f"/boka/{video.pk}/", {"sida": page, "tz": zone}), page, zone)
    safe = start.replace("/", "").replace("?", "").replace("#", "").replace("\x00", "") or "x"
    assert_sound(client.get(f"/boka/{video.pk}/{safe}/", {"tz": zone}), zone)


@EXAMPLES
@given(username=nasty_text, password=nasty_text, code=nasty_text, after=nasty_text)
def test_staff_sign_in(username, password, code, after, staff_user, open_limits):
    client = Client(raise_request_exception=False)
    response = client.post(
        "/staff/login/", {"username": username, "password": password, "next": after}
    )
    assert_sound(response, username, after)
    assert_sound(client.post("/staff/verify/", {"otp_token": code, "next": after}), code, after)


@hsettings(
    max_examples=15,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(first=nasty_text, last=nasty_text, email=nasty_text, reason=nasty_text)
def test_privacy_center_forms_signed_in(first, last, email, reason, open_limits):
    person = populated_person(f"p{next(SERIAL)}@example.se")
    client = Client(raise_request_exception=False)
    sign_in(client, person.email)
    data = {"first_name": first, "last_name": last, "email": email}
    assert_sound(client.post("/mina-uppgifter/ratta/", data), first, last, email)
    assert_sound(client.post("/mina-uppgifter/begransa/", {"reason": reason}), reason)
    assert_sound(client.post("/mina-uppgifter/journal/", {"kind": reason}), reason)
    assert_sound(client.post("/mina-uppgifter/radera/", {"confirm": reason}), reason)
