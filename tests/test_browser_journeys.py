"""Journeys in a real browser: headless Chromium from Debian's packages (/usr/bin/chromium)
driven by Playwright (never `playwright install`): the cookie banner's absence by default, the
banner keeping a configured script off until consent, Global Privacy Control in JavaScript, and
a member's private fields encrypted in the browser and read back."""

from __future__ import annotations

import base64

import pytest
from django.core import mail

from consonance.accounts.models import PrivateVault
from consonance.audit.services import SYSTEM
from consonance.journal.consultations import consultation_token
from consonance.people.services import person_get_or_create
from tests.factories import make_email_consultation, member_code, optional_cookie_policy

pytestmark = pytest.mark.django_db(transaction=True)


def _requested_scripts(tab) -> list[str]:
    return [e["name"] for e in tab.evaluate("performance.getEntriesByType('resource')")]


def test_by_default_no_banner_appears_and_no_consent_script_loads(tab, live_server):
    tab.goto(live_server.url + "/")
    assert tab.locator("#cookie-banner").count() == 0
    assert not [s for s in _requested_scripts(tab) if "consent" in s]
    link = tab.get_by_role("link", name="Cookieinställningar")
    link.click()
    assert "bara nödvändiga cookies" in tab.content()


def test_the_banner_keeps_a_configured_script_off_until_she_accepts(tab, live_server, policy_copy):
    optional_cookie_policy(policy_copy)
    tab.goto(live_server.url + "/")
    banner = tab.get_by_role("region", name="Får jag använda fler cookies?")
    assert banner.is_visible()
    assert tab.evaluate("document.documentElement.dataset.exampleEmbed") is None
    assert "example_embed" not in tab.evaluate("document.cookie")
    # Keyboard only: Tab reaches the buttons; refusing is one press, as is accepting.
    accept = tab.get_by_role("button", name="Godkänn alla")
    accept.focus()
    tab.keyboard.press("Enter")
    tab.wait_for_function("document.documentElement.dataset.exampleEmbed === 'loaded'")
    assert "example_embed=1" in tab.evaluate("document.cookie")
    assert tab.locator("#cookie-banner").count() == 0
    tab.reload()
    tab.wait_for_function("document.documentElement.dataset.exampleEmbed === 'loaded'")


def test_refusing_in_the_banner_keeps_the_script_off(tab, live_server, policy_copy):
    optional_cookie_policy(policy_copy)
    tab.goto(live_server.url + "/")
    tab.get_by_role("button", name="Avböj alla").click()
    tab.wait_for_load_state()
    assert tab.locator("#cookie-banner").count() == 0
    assert tab.evaluate("document.documentElement.dataset.exampleEmbed") is None
    assert "example-embed.js" not in " ".join(_requested_scripts(tab))


def test_global_privacy_control_in_javascript_hides_the_banner_and_blocks_scripts(
    chromium, live_server, policy_copy
):
    optional_cookie_policy(policy_copy)
    context = chromium.new_context()
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


def _sign_in(tab, live_server) -> None:
    tab.goto(live_server.url + "/konto/")
    tab.get_by_label("E-post").fill("moa.sten@example.se")
    tab.get_by_role("button", name="Skicka koden").click()
    tab.wait_for_url("**/konto/kod/")
    tab.get_by_label("Koden från mejlet").fill(member_code(mail.outbox[-1].body))
    tab.get_by_role("button", name="Logga in").click()
    tab.wait_for_url("**/konto/")


def test_a_members_private_fields_are_encrypted_in_the_browser_and_read_back(tab, live_server):
    person, _ = person_get_or_create(
        email="moa.sten@example.se", first_name="Moa", last_name="Sten", actor=SYSTEM
    )
    secret = "Mitt mål: sova åtta timmar – hemligt 4711"
    _sign_in(tab, live_server)
    tab.get_by_role("link", name="Kom igång").click()
    tab.wait_for_selector("#vault[data-ready='1']")
    assert "lose both" in tab.content() or "tappar bort återställningsnyckeln" in tab.content()
    tab.get_by_label("Välj en lösenfras").fill("kort")
    tab.get_by_label("Samma lösenfras igen").fill("kort")
    tab.get_by_role("button", name="Skapa min krypterade yta").click()
    tab.get_by_text("minst 10 tecken").wait_for()
    tab.get_by_label("Välj en lösenfras").fill("tre gröna äpplen i maj")
    tab.get_by_label("Samma lösenfras igen").fill("tre gröna äpplen i maj")
    tab.get_by_role("button", name="Skapa min krypterade yta").click()
    recovery = tab.locator("#recovery-key")
    recovery.wait_for()
    key = recovery.inner_text()
    assert len(key.replace("-", "")) == 25
    tab.get_by_role("button", name="Jag har sparat nyckeln").click()
    tab.get_by_label("Mina mål").fill(secret)
    tab.get_by_role("button", name="Spara", exact=True).click()
    tab.get_by_text("Sparat.").wait_for()

    stored = PrivateVault.objects.get(person=person)
    raw = base64.b64decode(stored.ciphertext)
    assert secret.encode() not in raw and "sova" not in stored.ciphertext
    assert len(raw) > len(secret.encode()) + 12  # IV + ciphertext + tag

    tab.reload()
    tab.get_by_label("Lösenfras", exact=True).fill("fel lösenfras här")
    tab.get_by_role("button", name="Lås upp", exact=True).click()
    tab.get_by_text("fel lösenfras eller nyckel").wait_for()
    tab.get_by_label("Lösenfras", exact=True).fill("tre gröna äpplen i maj")
    tab.get_by_role("button", name="Lås upp", exact=True).click()
    tab.locator("#vault-open").wait_for()
    assert tab.get_by_label("Mina mål").input_value() == secret

    tab.reload()
    tab.get_by_text("Glömt lösenfrasen?").click()
    tab.get_by_label("Återställningsnyckel").fill(key.lower())
    tab.get_by_role("button", name="Lås upp med nyckeln").click()
    tab.locator("#vault-open").wait_for()
    assert tab.get_by_label("Mina mål").input_value() == secret


def test_a_client_writes_on_her_consultation_page_in_a_real_browser(tab, live_server):
    """A browser posts the form with an Origin header (the test client sends none); under the
    page's old referrer policy, no-referrer, it was `Origin: null` and every message was refused
    as a stale form."""
    consultation = make_email_consultation()
    tab.goto(f"{live_server.url}/mejlkonsultation/{consultation_token(consultation)}/")
    tab.get_by_label("Ditt meddelande").fill("Hej! Jag vill prata om hur jag sover.")
    tab.get_by_role("button", name="Skicka").click()
    tab.get_by_text("Tack! Ditt meddelande är skickat till mig.").wait_for()
    assert "hur jag sover" in tab.inner_text("main")
