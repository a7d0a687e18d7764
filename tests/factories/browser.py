"""The browser (Chromium through Playwright) and the coach in it."""

from __future__ import annotations

import os

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect, sync_playwright

from tests.factories.booking import BANKGIRO
from tests.factories.staff import STAFF_EMAIL

# -- the browser ----------------------------------------------------------------------------------

# Debian's Chromium, driven by Playwright (never `playwright install`); `make test` installs it.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="module")
def chromium():
    assert os.path.exists(CHROMIUM), (
        "Debian's chromium is missing: `make system-packages` installs it"
    )
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # between browser steps are still plain synchronous code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def tab(chromium):
    """A fresh browser tab (its own cookies), Swedish, 1200 by 900 pixels."""
    context = chromium.new_context(locale="sv-SE", viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def coach_signs_in(tab, base: str, staff_user) -> None:
    """The coach signs in on the live site in `tab`: password, then her authenticator's code."""
    tab.goto(base + "/staff/login/")
    tab.fill("input[name=username]", "coach")
    tab.fill("input[name=password]", "a-long-test-password")
    tab.click("main form button[type=submit]")
    device = TOTPDevice.objects.get(user=staff_user)
    expect(tab.locator("body")).to_contain_text("Steg 2")
    tab.fill("input[name=otp_token]", f"{totp(device.bin_key):06d}")
    tab.click("main form button[type=submit]")
    expect(tab.locator("body")).to_contain_text("Väntar på dig")


@pytest.fixture
def live_practice(tab, live_server, settings):
    """A tab on the live site, configured as a practice with Bankgiro and a fixed video link."""
    settings.SITE_URL = live_server.url
    settings.CONSONANCE_STAFF_EMAIL = STAFF_EMAIL
    settings.BANKGIRO_NUMBER = BANKGIRO
    settings.VIDEO_LINK = "https://video.example/rum"
    for name in ("STRIPE_SECRET_KEY", "PAYPAL_CLIENT_ID", "SWISH_PAYEE_ALIAS", "ZOOM_ACCOUNT_ID"):
        setattr(settings, name, "")
    settings.DEBUG = False
    tab.base = live_server.url
    return tab


def page_go(tab, path: str) -> None:
    tab.goto(tab.base + path)


def page_shows(tab, text: str) -> str:
    """The page's text once it shows `text` (waiting for a click's page load)."""
    expect(tab.locator("body")).to_contain_text(text)
    return tab.inner_text("body")
