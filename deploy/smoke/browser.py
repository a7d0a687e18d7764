"""The production smoke's browser (deploy/smoke/run starts it): Debian's Chromium, driven by
Playwright (never `playwright install`), through every client-facing form of the installed
site over https, reading links and codes from the mails the SMTP sink wrote to a folder.

Each step asserts what the visitor sees. On a failure it prints the step, the address and the
page's visible text, saves a screenshot and exits 1. Nothing here imports the project: the site
is reached only through the browser, its mails and the operator's `consonance` command.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import os
import re
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from email import message_from_bytes, policy
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
MAIL_WAIT = 60  # seconds: the worker sends queued mail within a few


class Smoke:
    def __init__(self, args: argparse.Namespace, page: Page) -> None:
        self.site = args.site.rstrip("/")
        self.mail_folder = Path(args.mail)
        self.shots = Path(args.shots)
        self.consonance = args.consonance
        self.page = page
        self.passed = 0
        self.read_mails: set[Path] = set()
        self.totp_steps: set[int] = set()

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

    def mail(self, to: str, pattern: str) -> re.Match[str]:
        """The first unread mail to `to` whose text matches `pattern` (waiting for the worker)."""
        deadline = time.monotonic() + MAIL_WAIT
        while time.monotonic() < deadline:
            for path in sorted(self.mail_folder.glob("*.eml")):
                if path in self.read_mails:
                    continue
                message = message_from_bytes(path.read_bytes(), policy=policy.default)
                if to not in str(message["To"]):
                    continue
                text = message.get_body(preferencelist=("plain",)).get_content()
                calendars = [  # a calendar file is searched too (its SEQUENCE, its METHOD)
                    part.get_content()
                    for part in message.iter_attachments()
                    if part.get_content_type() == "text/calendar"
                ]
                found = re.search(pattern, "\n".join([str(message["Subject"]), text, *calendars]))
                if found:
                    self.read_mails.add(path)
                    return found
            time.sleep(0.5)
        raise AssertionError(f"no mail to {to} matching {pattern!r} within {MAIL_WAIT} s")

    def totp(self, secret: str) -> str:
        """The authenticator app's code (RFC 6238: SHA-1, 30 s, 6 digits); never one used before."""
        while int(time.time() // 30) in self.totp_steps:
            time.sleep(1)
        step = int(time.time() // 30)
        self.totp_steps.add(step)
        key = base64.b32decode(secret.replace(" ", ""))
        digest = hmac.new(key, step.to_bytes(8, "big"), hashlib.sha1).digest()
        offset = digest[-1] & 0x0F
        number = int.from_bytes(digest[offset : offset + 4], "big") & 0x7FFFFFFF
        return f"{number % 10**6:06d}"

    def command(self, *args: str) -> str:
        """The operator's `consonance` (deploy/consonance): exit 0 or the step fails."""
        done = subprocess.run(  # noqa: S603 - our own command, arguments from this file
            [self.consonance, *args], capture_output=True, text=True, timeout=120, check=False
        )
        assert done.returncode == 0, f"consonance {args[0]}: {done.stderr.strip()}"
        return done.stdout


def the_site_is_served_over_trusted_tls(smoke: Smoke) -> None:
    with smoke.step("the home page over https, a secure context with WebCrypto") as page:
        response = page.goto(smoke.site + "/")
        assert response is not None and response.ok
        headers = response.headers
        assert "max-age=" in headers.get("strict-transport-security", ""), headers
        assert "default-src 'self'" in headers.get("content-security-policy", ""), headers
        assert page.evaluate("window.isSecureContext && !!(window.crypto && crypto.subtle)")
        smoke.shows("Boka")
    with smoke.step("a 3 MB body to a webhook is answered 413 over HTTP/2 (Caddy's limit)"):
        status = smoke.page.evaluate(
            """async () => (await fetch("/payments/webhooks/stripe/", {method: "POST",
                headers: {"Content-Type": "application/json"},
                body: "x".repeat(3 * 1024 * 1024)})).status"""
        )
        assert status == 413, status
    with smoke.step("the English pages are translated (compiled messages in the wheel)"):
        smoke.go("/en/")
        text = smoke.shows("Book")
        assert "Boka" not in text, "the English page reads Swedish"


# -- the coach ------------------------------------------------------------------------------------


def _password(smoke: Smoke, user: str, password: str, then: str) -> None:
    """The first step of the staff sign-in; `then` is the second's address (enrol or verify)."""
    smoke.go("/staff/")
    smoke.page.fill("input[name=username]", user)
    smoke.page.fill("input[name=password]", password)
    smoke.page.click("main form button[type=submit]")
    smoke.page.wait_for_url(f"**/staff/{then}/**")


def the_coach_enrols_her_authenticator(smoke: Smoke, user: str, password: str) -> str:
    page = smoke.page
    with smoke.step("her password alone enrols no authenticator: the page says how to get a link"):
        _password(smoke, user, password, then="enrol")
        smoke.shows(f"consonance staff enrol-link {user}")
        assert page.locator("code.secret").count() == 0, "a QR code without an enrolment link"
    with smoke.step("README step 6: `consonance staff enrol-link` prints her one-time link"):
        link = smoke.command("staff", "enrol-link", user).strip()
        assert link.startswith(smoke.site + "/staff/enrol/"), link
    with smoke.step("she opens the link and enrols her authenticator app"):
        page.goto(link)
        page.wait_for_url("**/staff/enrol/")
        secret = page.inner_text("code.secret")
        page.fill("input[name=otp_token]", smoke.totp(secret))
        page.click("main form button[type=submit]")
        smoke.shows("Väntar på dig")
    with smoke.step("the link is spent: opened again, it leads nowhere"):
        response = page.goto(link)
        assert response is not None and response.status == 410, response and response.status
        smoke.shows("Länken gäller inte längre")
    return secret


def the_coach_sets_up_her_practice(smoke: Smoke) -> None:
    page = smoke.page
    with smoke.step("she adds a video and an e-mail consultation on her services page"):
        for name, english, kind, price in (
            ("Videokonsultation, 50 minuter", "Video consultation", "video", "900"),
            ("E-postkonsultation, tre svar", "E-mail consultation", "email", "1500"),
        ):
            smoke.go("/staff/booking/tjanster/ny/")
            page.fill("[name=name_sv]", name)
            page.fill("[name=name_en]", english)
            page.select_option("[name=kind]", kind)
            page.fill("[name=duration_minutes]", "50")
            page.fill("[name=price]", price)
            page.fill("[name=vat_rate]", "25")
            page.click("main form button[type=submit]")
            smoke.shows("Tjänsten är sparad")
    with smoke.step("she opens her week: Monday to Friday, 9 to 17"):
        for weekday in range(5):
            smoke.go("/staff/booking/oppettider/")
            page.locator("select[name$='-weekday']").last.select_option(str(weekday))
            page.locator("input[name$='-start']").last.fill("09:00")
            page.locator("input[name$='-end']").last.fill("17:00")
            page.click("button[name=save_hours]")
            smoke.shows("Öppettiderna är sparade")


def the_coach_signs_in_with_a_code_and_reads_the_message(
    smoke: Smoke, user: str, password: str, secret: str
) -> None:
    """Her second sign-in (a new code: django-otp refuses one used before)."""
    page = smoke.page
    with smoke.step("the coach signs in with her password and a code from the app"):
        _password(smoke, user, password, then="verify")
        page.fill("input[name=otp_token]", smoke.totp(secret))
        page.click("main form button[type=submit]")
        smoke.shows("Väntar på dig")
    with smoke.step("/healthz answers 200: database, migrations, worker, backup and mail in order"):
        response = page.goto(smoke.site + "/healthz")  # through Chromium: it resolves the host
        assert response is not None and response.status == 200, response and response.text()
        assert response.json()["status"] == "ok", response.text()
    with smoke.step("a staff page loads: the e-mail consultation waits for her reply"):
        smoke.go("/staff/journal/")
        text = smoke.shows("Pågående mejlkonsultationer")
        assert "Moa Sten\t0 / 3" in text, "her consultation is not listed as waiting"
    with smoke.step("the VAT return of this quarter agrees with the vouchers; its CSV downloads"):
        today = time.localtime()
        smoke.go(f"/staff/bookkeeping/moms/?period={today.tm_year}-k{(today.tm_mon - 1) // 3 + 1}")
        smoke.shows("Momsdeklaration för kvartal")
        smoke.shows("ingen, det stämmer")
        with page.expect_download() as download:
            page.click("text=Ladda ner som CSV")
        assert download.value.suggested_filename.startswith("moms-"), download.value


# -- a client books and pays ------------------------------------------------------------------------


def _kronor(text: str) -> Decimal:
    """'1 500,00 kr' (with a no-break space) as Decimal('1500.00')."""
    return Decimal(re.sub(r"[^\d,]", "", text).replace(",", "."))


def book_by_bankgiro(smoke: Smoke, service: str, who: tuple[str, str, str]) -> tuple[str, Decimal]:
    """Book `service` (its first free time, if it has times) with a Bankgiro invoice; the
    invoice's OCR number and amount as the booking page shows them."""
    page = smoke.page
    smoke.go("/boka/")
    page.locator("section.card", has_text=service).get_by_role("link").click()
    for _ in range(4):  # Bankgiro shows times a few days ahead: perhaps on a later page
        if page.locator("form input[name=first_name], ul.slots a").count():
            break
        page.get_by_role("link", name="Senare →").click()
    if page.locator("ul.slots a").count():
        page.locator("ul.slots a").first.click()
    first, last, email = who
    page.fill("input[name=first_name]", first)
    page.fill("input[name=last_name]", last)
    page.fill("input[name=email]", email)
    page.check("input[name=method][value=bankgiro]")
    page.click("main form button[type=submit]")
    text = smoke.shows("OCR-nummer")
    ocr = re.search(r"OCR-nummer\s+(\d+)", text)
    amount = re.search(r"Belopp\s+([\d\s,]+)kr", text)
    assert ocr and amount, "no OCR number or amount on the booking page"
    return ocr.group(1), _kronor(amount.group(1))


def pay_by_bgmax(smoke: Smoke, folder: Path, ocr: str, amount: Decimal, serial: int) -> None:
    """The bank's BgMax file for the payment, imported as the coach would (the command)."""
    bgmax = folder / f"bgmax-{serial}.txt"
    smoke.command(
        "shell",
        "-c",
        "from datetime import date; from decimal import Decimal; from pathlib import Path; "
        "from consonance.payments.bankgiro.bgmax_writer import DepositInput, write_bgmax; "
        f"Path({str(bgmax)!r}).write_bytes(write_bgmax([DepositInput(date.today(), "
        f"serial={serial}, payments=[({ocr!r}, Decimal({str(amount)!r}))])]))",
    )
    smoke.command("bankgiro", "import", str(bgmax))


def a_client_books_a_video_session_and_pays(smoke: Smoke, folder: Path) -> None:
    who = ("Astrid", "Lindqvist", "astrid@example.se")
    with smoke.step("a client books a video consultation and chooses a Bankgiro invoice"):
        ocr, amount = book_by_bankgiro(smoke, "Videokonsultation", who)
        assert amount == Decimal("900.00"), amount
        smoke.mail(who[2], rf"OCR-nummer: {ocr}")
        status = smoke.page.url
    with smoke.step("her payment arrives (a BgMax file imported): the booking is confirmed"):
        pay_by_bgmax(smoke, folder, ocr, amount, serial=1)
        smoke.page.goto(status)
        smoke.shows("Bokningen är bekräftad")
        confirmation = smoke.mail(who[2], r"(?is)bekräft.*?Byta tid:\s+(https://\S+)")
    with smoke.step("she moves it from her link; the new calendar file replaces the old event"):
        smoke.page.goto(confirmation.group(1))
        smoke.shows("Välj en ny tid")
        smoke.page.locator("form.slots button[name=start]").first.click()
        smoke.shows("Du har fått den nya tiden")
        smoke.mail(who[2], r"(?s)METHOD:PUBLISH.*SEQUENCE:1\r?\n")


def a_client_writes_in_her_email_consultation(smoke: Smoke, folder: Path) -> None:
    who = ("Moa", "Sten", "moa.sten@example.se")
    with smoke.step("a client books an e-mail consultation and pays the invoice"):
        ocr, amount = book_by_bankgiro(smoke, "E-postkonsultation", who)
        pay_by_bgmax(smoke, folder, ocr, amount, serial=2)
        link = smoke.mail(who[2], r"https://\S+/mejlkonsultation/\S+/").group(0)
    with smoke.step("she opens her consultation page from the mail and writes to the coach"):
        smoke.page.goto(link)
        smoke.shows("Din mejlkonsultation")
        smoke.page.fill("textarea[name=body]", "Hej! Jag skulle vilja prata om hur jag sover.")
        smoke.page.click("main form button[type=submit]")
        text = smoke.shows("Tack! Ditt meddelande är skickat till mig.")
        assert "hur jag sover" in text, "her message is not on the page"
    with smoke.step("her confirmation names no time or calendar file; cancelling states the rule"):
        # The whole mail up to its cancellation link, without a calendar file on the way.
        found = smoke.mail(
            who[2], r"är bekräftad\.(?:(?!kalenderfil|svensk tid)[\s\S])*?Avboka:\s+(https://\S+/)"
        )
        assert "När jag har svarat första gången" in found.group(0), "no answered rule in it"
        smoke.page.goto(found.group(1))
        text = smoke.shows("När jag har svarat första gången har konsultationen börjat")
        assert "Enligt avbokningsvillkoren får du tillbaka" in text, "no refund on the page"


# -- forms that need no booking ---------------------------------------------------------------------


def a_visitor_writes_through_the_contact_form(smoke: Smoke) -> None:
    page = smoke.page
    with smoke.step("a visitor writes through the contact form (proof of work in the page)"):
        smoke.go("/kontakt/")
        page.fill("input[name=name]", "Karin Ek")
        page.fill("input[name=email]", "karin.ek@example.se")
        page.fill("textarea[name=message]", "Hej! Har du tider på kvällen?")
        smoke.shows("Klar att skicka.")  # the browser found the proof of work
        page.wait_for_timeout(3_500)  # a person takes longer than the form's 3 s minimum
        page.click("main form button[type=submit]")
        smoke.shows("Tack för ditt meddelande")


NEWSLETTER = ("Elin", "Berg", "elin.berg@example.se")


def a_visitor_subscribes_to_the_newsletter(smoke: Smoke) -> None:
    page = smoke.page
    first, last, email = NEWSLETTER
    with smoke.step("a visitor signs up for the newsletter"):
        smoke.go("/nyhetsbrev/")
        page.fill("input[name=first_name]", first)
        page.fill("input[name=last_name]", last)
        page.fill("input[name=email]", email)
        page.check("input[name=consent]")
        page.click("main form button[type=submit]")
        smoke.shows("Titta i din inkorg")
    with smoke.step("she confirms with the link from the mail"):
        page.goto(smoke.mail(email, r"https://\S+/nyhetsbrev/bekrafta/\S+/").group(0))
        page.get_by_role("button", name="Ja, jag vill ha nyhetsbrevet").click()
        smoke.shows("Tack, nu är du med!")


def a_client_signs_in_to_her_account_with_a_code(smoke: Smoke) -> None:
    page = smoke.page
    email = "astrid@example.se"  # she booked above
    with smoke.step("a client signs in to her account with the code from the mail"):
        smoke.go("/konto/")
        page.fill("input[name=email]", email)
        page.get_by_role("button", name="Skicka koden").click()
        page.wait_for_url("**/konto/kod/")
        code = smoke.mail(email, r"\b\d{3}-?\d{3}\b").group(0)
        page.get_by_label("Koden från mejlet").fill(code)
        page.get_by_role("button", name="Logga in").click()
        page.wait_for_url("**/konto/")
        smoke.shows("Videokonsultation")
    with smoke.step("she keeps private notes, encrypted in the browser (WebCrypto)"):
        page.get_by_role("link", name="Kom igång").click()
        page.wait_for_selector("#vault[data-ready='1']")
        page.get_by_label("Välj en lösenfras").fill("tre gröna äpplen i maj")
        page.get_by_label("Samma lösenfras igen").fill("tre gröna äpplen i maj")
        page.get_by_role("button", name="Skapa min krypterade yta").click()
        page.locator("#recovery-key").wait_for()
        page.get_by_role("button", name="Jag har sparat nyckeln").click()
        page.get_by_label("Mina mål").fill("Sova åtta timmar.")
        page.get_by_role("button", name="Spara", exact=True).click()
        page.get_by_text("Sparat.").wait_for()


# -- the privacy center ---------------------------------------------------------------------------


def _form_with_a_choice(smoke: Smoke, link: str, choice: str, answer: str) -> None:
    """From the overview: follow `link`, take the first answer to `choice`, send, see `answer`."""
    smoke.page.get_by_role("link", name=link).click()
    smoke.page.locator(f"input[name={choice}]").first.check()
    smoke.page.click("main form button[type=submit]")
    smoke.shows(answer)


def _privacy_center(smoke: Smoke, email: str) -> None:
    """Ask for the privacy center's link with `email` and open it from the mail."""
    smoke.go("/mina-uppgifter/")
    smoke.page.fill("input[name=email]", email)
    smoke.page.click("main form button[type=submit]")
    smoke.shows("Titta i din inkorg")
    smoke.page.goto(smoke.mail(email, r"https://\S+/mina-uppgifter/in/#\S+").group(0))
    smoke.page.wait_for_url("**/mina-uppgifter/oversikt/")


def the_subscriber_uses_each_right(smoke: Smoke) -> None:
    page = smoke.page
    email = NEWSLETTER[2]
    with smoke.step("the subscriber asks for the privacy center's link and opens it"):
        _privacy_center(smoke, email)
        smoke.shows("Elin")
    with smoke.step("she downloads everything held about her (ZIP)"):
        with page.expect_download() as download:
            page.get_by_role("link", name="Ladda ner allt (ZIP)").click()
        with zipfile.ZipFile(download.value.path()) as archive:
            data = archive.read("data.json").decode()
        assert email in data, "her address is not in her export"
    with smoke.step("she corrects her name"):
        page.get_by_role("link", name="Rätta namn eller e-post").click()
        page.fill("input[name=first_name]", "Elina")
        page.click("main form button[type=submit]")
        assert "Elina" in smoke.shows("Dina uppgifter är rättade.")
    with smoke.step("she asks to see her journal notes"):
        _form_with_a_choice(smoke, "Skicka en begäran", "kind", "Din begäran är mottagen")
    with smoke.step("she withdraws her consent to the newsletter"):
        page.get_by_role("button", name="Återkalla samtycket till nyhetsbrevet").click()
        smoke.shows("Du får inte längre nyhetsbrevet.")
    with smoke.step("she restricts the processing, then lifts the restriction"):
        _form_with_a_choice(
            smoke, "Begränsa", "reason", "Behandlingen av dina uppgifter är begränsad."
        )
        page.get_by_role("button", name="Häv begränsningen").click()
        smoke.shows("Begränsningen är hävd.")
    with smoke.step("she objects to direct marketing"):
        page.get_by_role("button", name="Invänd").click()
        smoke.shows("Din invändning är registrerad.")
    her_new_address_and_an_unpaid_reservation(smoke)
    with smoke.step("she erases herself; the receipt names the invoice not to pay"):
        page.get_by_role("link", name="Radera mina uppgifter").click()
        text = smoke.shows("Du har reserverat tider som inte är betalda")
        invoice = re.search(r"Betala inte faktura (F\d{4}-\d+)", text)
        assert invoice, "the erasure page does not name the reservation's invoice"
        page.check("input[name=confirm]")
        page.click("main form button[type=submit]")
        receipt = smoke.shows("Kvitto på radering")
        assert f"Betala inte faktura {invoice.group(1)}" in receipt, "the receipt does not"
        smoke.mail(MOVED_TO, rf"Betala inte faktura {invoice.group(1)}")


MOVED_TO = "elin.ny@example.se"


def her_new_address_and_an_unpaid_reservation(smoke: Smoke) -> None:
    """She reserves a time by invoice without paying, then moves to a new address: her mail
    follows her, her old address is told, and her erasure names the invoice."""
    page = smoke.page
    old = NEWSLETTER[2]
    with smoke.step("she reserves a video time by invoice and does not pay"):
        book_by_bankgiro(smoke, "Videokonsultation", ("Elina", NEWSLETTER[1], old))
        smoke.mail(old, r"OCR-nummer")
    with smoke.step("she changes her address and confirms it from the new mailbox"):
        smoke.go("/mina-uppgifter/oversikt/")
        page.get_by_role("link", name="Rätta namn eller e-post").click()
        page.fill("input[name=email]", MOVED_TO)
        page.click("main form button[type=submit]")
        smoke.shows("Jag har skickat en länk till den nya adressen.")
        page.goto(smoke.mail(MOVED_TO, r"https://\S+/mina-uppgifter/ratta/adress/\S+/").group(0))
        page.get_by_role("button", name="Byt adress").click()
        smoke.shows("din e-postadress är bytt")
    with smoke.step("her old address gets a short notice of the change"):
        smoke.mail(old, r"Din e-postadress har ändrats till e\*\*\*@example\.se")
    with smoke.step("she signs in again with her new address"):
        _privacy_center(smoke, MOVED_TO)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", required=True, help="https://host:port")
    parser.add_argument("--host", required=True, help="the site's host name (mapped to loopback)")
    parser.add_argument("--mail", required=True, help="the SMTP sink's folder of .eml files")
    parser.add_argument("--shots", required=True, help="where a failed step's screenshot goes")
    parser.add_argument("--consonance", required=True, help="the operator's consonance command")
    args = parser.parse_args()
    resolver = f"--host-resolver-rules=MAP {args.host} 127.0.0.1"
    staff = os.environ["SMOKE_STAFF_USER"], os.environ["SMOKE_STAFF_PASSWORD"]
    folder = Path(args.shots)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, resolver]
        )

        def new_tab() -> Page:
            """A browser of her own: fresh cookies, Swedish."""
            context = browser.new_context(locale="sv-SE", viewport={"width": 1200, "height": 900})
            page = context.new_page()
            page.set_default_timeout(20_000)
            return page

        smoke = Smoke(args, new_tab())
        the_site_is_served_over_trusted_tls(smoke)
        secret = the_coach_enrols_her_authenticator(smoke, *staff)
        the_coach_sets_up_her_practice(smoke)
        smoke.page = new_tab()
        a_client_books_a_video_session_and_pays(smoke, folder)
        a_client_writes_in_her_email_consultation(smoke, folder)
        smoke.page = new_tab()
        a_visitor_writes_through_the_contact_form(smoke)
        a_visitor_subscribes_to_the_newsletter(smoke)
        the_subscriber_uses_each_right(smoke)
        smoke.page = new_tab()
        a_client_signs_in_to_her_account_with_a_code(smoke)
        smoke.page = new_tab()
        the_coach_signs_in_with_a_code_and_reads_the_message(smoke, *staff, secret)
        browser.close()
    print(f"all {smoke.passed} steps passed")


if __name__ == "__main__":
    main()
