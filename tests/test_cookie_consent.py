"""Cookie consent over HTTP (P21): no banner by default, a banner only for non-necessary cookies,
scripts only after consent, Global Privacy Control as a refusal, choices in the ledger."""

from __future__ import annotations

import pytest
from django.test import Client

from consonance.consent.cookies import COOKIE_NAME
from consonance.consent.models import ConsentRecord
from consonance.privacy.policy import PolicyInvalid, get_policy, load_policy
from tests.factories import optional_cookie_policy

pytestmark = pytest.mark.django_db
PAGES = ["/", "/integritet/", "/nyhetsbrev/", "/konto/", "/boka/", "/en/"]


def test_by_default_there_is_no_banner_no_consent_script_and_a_settings_link_on_every_page(client):
    for url in PAGES:
        page = client.get(url).content.decode()
        assert 'id="cookie-banner"' not in page, url
        assert "consent.js" not in page, url
        assert "/cookieinstallningar/" in page or "/en/cookie-settings/" in page, url
    assert "Cookieinställningar" in client.get("/").content.decode()
    assert COOKIE_NAME not in client.cookies
    settings_page = client.get("/cookieinstallningar/").content.decode()
    assert "bara nödvändiga cookies" in settings_page


def test_the_policy_lists_the_messages_cookie_and_the_consent_cookie():
    names = {c.name: c for c in get_policy().cookies}
    assert names["messages"].necessary and names[COOKIE_NAME].necessary
    assert "messages" in get_policy_page()


def get_policy_page() -> str:
    return Client().get("/integritet/").content.decode()


def test_a_configured_optional_cookie_brings_the_banner_and_keeps_its_script_off(
    client, policy_copy
):
    optional_cookie_policy(policy_copy)
    page = client.get("/").content.decode()
    assert 'id="cookie-banner"' in page
    assert "Godkänn alla" in page and "Avböj alla" in page
    assert "consent.js" in page
    assert "example-embed.js" not in page  # not even as a placeholder before consent


def test_accepting_records_the_consent_sets_the_choice_and_renders_the_script(client, policy_copy):
    optional_cookie_policy(policy_copy)
    response = client.post(
        "/cookieinstallningar/", {"choice": "accept", "from": "banner", "next": "/integritet/"}
    )
    assert response.status_code == 302 and response["Location"] == "/integritet/"
    value = client.cookies[COOKIE_NAME].value
    assert value.endswith(".media=1")
    record = ConsentRecord.objects.get()
    assert (record.purpose, record.action, record.method) == ("cookies:media", "given", "banner")
    assert record.person is None and record.visitor == value.split(".")[0]
    assert "Visar inbäddade videor." in record.text.text
    page = client.get("/").content.decode()
    assert 'id="cookie-banner"' not in page
    assert 'data-consent-src="/static/consent/example-embed.js"' in page


def test_refusing_is_as_easy_and_changing_the_mind_later_is_recorded(client, policy_copy):
    optional_cookie_policy(policy_copy)
    client.post("/cookieinstallningar/", {"choice": "refuse", "from": "banner"})
    assert client.cookies[COOKIE_NAME].value.endswith(".media=0")
    page = client.get("/").content.decode()
    assert 'id="cookie-banner"' not in page and "example-embed.js" not in page
    client.post("/cookieinstallningar/", {"choice": "save", "c_media": "on"})
    client.post("/cookieinstallningar/", {"choice": "save"})
    actions = list(ConsentRecord.objects.order_by("pk").values_list("action", "method"))
    assert actions == [("withdrawn", "banner"), ("given", "settings"), ("withdrawn", "settings")]
    assert len(set(ConsentRecord.objects.values_list("visitor", flat=True))) == 1


def test_global_privacy_control_is_a_refusal_even_after_accepting(client, policy_copy):
    optional_cookie_policy(policy_copy)
    page = client.get("/", headers={"Sec-GPC": "1"}).content.decode()
    assert 'id="cookie-banner"' not in page
    client.post("/cookieinstallningar/", {"choice": "accept"})
    page = client.get("/", headers={"Sec-GPC": "1"}).content.decode()
    assert "example-embed.js" not in page
    settings_page = client.get("/cookieinstallningar/", headers={"Sec-GPC": "1"}).content.decode()
    assert "Global Privacy Control" in settings_page


def test_a_malformed_choice_cookie_is_ignored_not_an_error(client, policy_copy):
    optional_cookie_policy(policy_copy)
    client.cookies[COOKIE_NAME] = "<script>.media=1"
    response = client.get("/")
    assert response.status_code == 200 and 'id="cookie-banner"' in response.content.decode()


def test_the_gpc_support_resource_is_served():
    response = Client().get("/.well-known/gpc.json")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert response.json()["gpc"] is True and response.json()["lastUpdate"] == "2026-11-29"


def test_a_policy_with_a_bad_cookie_category_or_script_is_refused_with_its_line(policy_copy):
    optional_cookie_policy(policy_copy, script="../../etc/passwd")
    with pytest.raises(PolicyInvalid) as error:
        load_policy(policy_copy)
    [problem] = error.value.problems
    assert "script must be a static path" in problem.message
    lines = policy_copy.read_text().splitlines()
    assert lines[problem.line - 1].startswith("script = ")
