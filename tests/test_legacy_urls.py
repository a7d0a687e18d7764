"""Old staff addresses (before issue 18's /staff/<app>/ rule) redirect permanently to their page:
every one is walked, with its numbers and slugs and query string, by GET and by POST (a 308, so a
form posting to an old address still posts)."""

from __future__ import annotations

import re

import pytest
from django.urls import resolve, reverse

from consonance.legacy_urls import LEGACY

PARAM = re.compile(r"<(?P<conv>\w+):(?P<name>\w+)>")
EXAMPLE = {"int": "7", "str": "2026-k1"}


def example(pattern: str) -> tuple[str, dict[str, str]]:
    kwargs = {m["name"]: EXAMPLE[m["conv"]] for m in PARAM.finditer(pattern)}
    return "/" + PARAM.sub(lambda m: EXAMPLE[m["conv"]], pattern), kwargs


@pytest.mark.django_db
@pytest.mark.parametrize("old,target", LEGACY, ids=[old for old, _ in LEGACY])
def test_every_old_staff_address_redirects_to_its_page(staff_client, old, target):
    path, kwargs = example(old)
    new = reverse(target, kwargs=kwargs)
    assert new != path
    assert resolve(new).view_name == target  # the target is a page, not another redirect
    for method in (staff_client.get, staff_client.post):
        response = method(f"{path}?vecka=2026-W12&next=%2Fstaff%2F")
        assert response.status_code == 308, (method, path)
        assert response["Location"] == f"{new}?vecka=2026-W12&next=%2Fstaff%2F"


def test_old_addresses_are_only_redirects_and_no_new_page_is_shadowed():
    for old, _target in LEGACY:
        path, _kwargs = example(old)
        assert resolve(path).func.__module__ == "consonance.legacy_urls", path


def test_a_stranger_on_an_old_address_signs_in_first(client):
    response = client.get("/staff/stang/")
    assert response.status_code == 302
    assert response["Location"] == "/staff/login/?next=%2Fstaff%2Fstang%2F"


@pytest.mark.parametrize(
    "path",
    ["/payments/webhooks/stripe/", "/kalender/x.ics", "/staff/bookkeeping/fortnox/callback/"],
)
def test_addresses_others_know_have_not_moved(path):
    assert resolve(path).func.__module__ != "consonance.legacy_urls"
