"""The production smoke's browser (deploy/smoke/run starts it): Debian's Chromium, driven by
Playwright (never `playwright install`), through every client-facing form of the installed
site over https, reading links and codes from the mails the SMTP sink wrote to a folder.

Each step asserts what the visitor sees. On a failure it prints the step, the address and the
page's visible text, saves a screenshot and exits 1. Nothing here imports the project: the site
is reached only through the browser, its mails and the operator's `consonance` command.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


class Smoke:
    def __init__(self, args: argparse.Namespace, page: Page) -> None:
        self.site = args.site.rstrip("/")
        self.mail = Path(args.mail)
        self.shots = Path(args.shots)
        self.consonance = args.consonance
        self.page = page
        self.passed = 0

    @contextmanager
    def step(self, name: str) -> Iterator[Page]:
        began = time.monotonic()
        try:
            yield self.page
        except Exception as error:
            shot = self.shots / f"failed-{self.passed + 1:02d}.png"
            try:
                self.page.screenshot(path=str(shot), full_page=True)
                text = self.page.inner_text("body")
            except Exception as inner:  # the page itself is gone
                text = f"(no page: {inner})"
            print(f"FAILED step {self.passed + 1}: {name}", file=sys.stderr)
            print(f"  address: {self.page.url}", file=sys.stderr)
            print(f"  error: {str(error).strip().splitlines()[0]}", file=sys.stderr)
            print(f"  screenshot: {shot}", file=sys.stderr)
            print("  the page's text:", file=sys.stderr)
            print("    " + "\n    ".join(text.strip().splitlines()), file=sys.stderr)
            raise SystemExit(1) from error
        self.passed += 1
        print(f"ok {self.passed:2d} {name} ({time.monotonic() - began:.1f} s)", flush=True)

    def go(self, path: str) -> None:
        response = self.page.goto(self.site + path)
        assert response is not None and response.ok, (
            f"{path} answered {response and response.status}"
        )

    def shows(self, text: str) -> str:
        expect(self.page.locator("body")).to_contain_text(text)
        return self.page.inner_text("body")


def the_site_is_served_over_trusted_tls(smoke: Smoke) -> None:
    with smoke.step("the home page over https, a secure context with WebCrypto") as page:
        response = page.goto(smoke.site + "/")
        assert response is not None and response.ok
        headers = response.headers
        assert "max-age=" in headers.get("strict-transport-security", ""), headers
        assert "default-src 'self'" in headers.get("content-security-policy", ""), headers
        assert page.evaluate("window.isSecureContext && !!(window.crypto && crypto.subtle)")
        smoke.shows("Boka")
    with smoke.step("the English pages are translated (compiled messages in the wheel)"):
        smoke.go("/en/")
        text = smoke.shows("Book")
        assert "Boka" not in text, "the English page reads Swedish"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", required=True, help="https://host:port")
    parser.add_argument("--host", required=True, help="the site's host name (mapped to loopback)")
    parser.add_argument("--mail", required=True, help="the SMTP sink's folder of .eml files")
    parser.add_argument("--shots", required=True, help="where a failed step's screenshot goes")
    parser.add_argument("--consonance", required=True, help="the operator's consonance command")
    args = parser.parse_args()
    resolver = f"--host-resolver-rules=MAP {args.host} 127.0.0.1"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, resolver]
        )
        context = browser.new_context(locale="sv-SE", viewport={"width": 1200, "height": 900})
        page = context.new_page()
        page.set_default_timeout(20_000)
        smoke = Smoke(args, page)
        the_site_is_served_over_trusted_tls(smoke)
        browser.close()
    print(f"all {smoke.passed} steps passed")


if __name__ == "__main__":
    main()
