"""Journeys in a real browser: headless Chromium from Debian's packages (/usr/bin/chromium)
driven by Playwright (never `playwright install`): the cookie banner's absence by default, the
banner keeping a configured script off until consent, Global Privacy Control in JavaScript, and
a member's private fields encrypted in the browser and read back."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest
from django.core import mail
from playwright.sync_api import sync_playwright

from consonance.accounts.models import PrivateVault
from consonance.audit.services import SYSTEM
from consonance.people.services import person_get_or_create
from tests.factories import member_code, optional_cookie_policy

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="Debian's Chromium is not installed at /usr/bin/chromium (make installs it)",
    ),
    pytest.mark.django_db(transaction=True),
]
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="module")
def browser():
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # between browser steps are still plain synchronous code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="sv-SE")
    tab = context.new_page()
    tab.set_default_timeout(20_000)
    yield tab
    context.close()


def _requested_scripts(tab) -> list[str]:
    return [e["name"] for e in tab.evaluate("performance.getEntriesByType('resource')")]


def test_by_default_no_banner_appears_and_no_consent_script_loads(page, live_server):
    page.goto(live_server.url + "/")
    assert page.locator("#cookie-banner").count() == 0
    assert not [s for s in _requested_scripts(page) if "consent" in s]
    link = page.get_by_role("link", name="Cookieinställningar")
    link.click()
    assert "bara nödvändiga cookies" in page.content()


def test_the_banner_keeps_a_configured_script_off_until_she_accepts(page, live_server, policy_copy):
    optional_cookie_policy(policy_copy)
    page.goto(live_server.url + "/")
    banner = page.get_by_role("region", name="Får jag använda fler cookies?")
    assert banner.is_visible()
    assert page.evaluate("document.documentElement.dataset.exampleEmbed") is None
    assert "example_embed" not in page.evaluate("document.cookie")
    # Keyboard only: Tab reaches the buttons; refusing is one press, as is accepting.
    accept = page.get_by_role("button", name="Godkänn alla")
    accept.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("document.documentElement.dataset.exampleEmbed === 'loaded'")
    assert "example_embed=1" in page.evaluate("document.cookie")
    assert page.locator("#cookie-banner").count() == 0
    page.reload()
    page.wait_for_function("document.documentElement.dataset.exampleEmbed === 'loaded'")


def test_refusing_in_the_banner_keeps_the_script_off(page, live_server, policy_copy):
    optional_cookie_policy(policy_copy)
    page.goto(live_server.url + "/")
    page.get_by_role("button", name="Avböj alla").click()
    page.wait_for_load_state()
    assert page.locator("#cookie-banner").count() == 0
    assert page.evaluate("document.documentElement.dataset.exampleEmbed") is None
    assert "example-embed.js" not in " ".join(_requested_scripts(page))


def test_global_privacy_control_in_javascript_hides_the_banner_and_blocks_scripts(
    browser, live_server, policy_copy
):
    optional_cookie_policy(policy_copy)
    context = browser.new_context()
    context.add_init_script(
        "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', {get: () => true})"
    )
    tab = context.new_page()
    tab.goto(live_server.url + "/")
    tab.wait_for_function("document.documentElement.dataset.gpc === '1'")
    assert not tab.locator("#cookie-banner").is_visible()
    # Even a stored "yes" loads nothing while the browser says GPC.
    host = live_server.url.split("://", 1)[1].split(":")[0]
    context.add_cookies(
        [
            {
                "name": "consonance_consent",
                "value": "0" * 32 + ".media=1",
                "domain": host,
                "path": "/",
            }
        ]
    )
    tab.reload()
    tab.wait_for_function("document.documentElement.dataset.gpc === '1'")
    assert tab.locator("script[data-consent-src]").count() == 1  # rendered, yet…
    assert tab.evaluate("document.documentElement.dataset.exampleEmbed") is None  # …not run
    context.close()


def _sign_in(page, live_server) -> None:
    page.goto(live_server.url + "/konto/")
    page.get_by_label("E-post").fill("moa.sten@example.se")
    page.get_by_role("button", name="Skicka koden").click()
    page.wait_for_url("**/konto/kod/")
    page.get_by_label("Koden från mejlet").fill(member_code(mail.outbox[-1].body))
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url("**/konto/")


def test_a_members_private_fields_are_encrypted_in_the_browser_and_read_back(page, live_server):
    person, _ = person_get_or_create(
        email="moa.sten@example.se", first_name="Moa", last_name="Sten", actor=SYSTEM
    )
    secret = "Mitt mål: sova åtta timmar – hemligt 4711"
    _sign_in(page, live_server)
    page.get_by_role("link", name="Kom igång").click()
    page.wait_for_selector("#vault[data-ready='1']")
    assert "lose both" in page.content() or "tappar bort återställningsnyckeln" in page.content()
    page.get_by_label("Välj en lösenfras").fill("kort")
    page.get_by_label("Samma lösenfras igen").fill("kort")
    page.get_by_role("button", name="Skapa min krypterade yta").click()
    page.get_by_text("minst 10 tecken").wait_for()
    page.get_by_label("Välj en lösenfras").fill("tre gröna äpplen i maj")
    page.get_by_label("Samma lösenfras igen").fill("tre gröna äpplen i maj")
    page.get_by_role("button", name="Skapa min krypterade yta").click()
    recovery = page.locator("#recovery-key")
    recovery.wait_for()
    key = recovery.inner_text()
    assert len(key.replace("-", "")) == 25
    page.get_by_role("button", name="Jag har sparat nyckeln").click()
    page.get_by_label("Mina mål").fill(secret)
    page.get_by_role("button", name="Spara", exact=True).click()
    page.get_by_text("Sparat.").wait_for()

    stored = PrivateVault.objects.get(person=person)
    raw = base64.b64decode(stored.ciphertext)
    assert secret.encode() not in raw and "sova" not in stored.ciphertext
    assert len(raw) > len(secret.encode()) + 12  # IV + ciphertext + tag

    page.reload()
    page.get_by_label("Lösenfras", exact=True).fill("fel lösenfras här")
    page.get_by_role("button", name="Lås upp", exact=True).click()
    page.get_by_text("fel lösenfras eller nyckel").wait_for()
    page.get_by_label("Lösenfras", exact=True).fill("tre gröna äpplen i maj")
    page.get_by_role("button", name="Lås upp", exact=True).click()
    page.locator("#vault-open").wait_for()
    assert page.get_by_label("Mina mål").input_value() == secret

    page.reload()
    page.get_by_text("Glömt lösenfrasen?").click()
    page.get_by_label("Återställningsnyckel").fill(key.lower())
    page.get_by_role("button", name="Lås upp med nyckeln").click()
    page.locator("#vault-open").wait_for()
    assert page.get_by_label("Mina mål").input_value() == secret
