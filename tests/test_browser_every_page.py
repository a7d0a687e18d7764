"""Every page, in both languages, read in a real browser: no untranslated string, no raw code, no
foreign format.

The demo practice (`consonance demo`, the data `make run` shows) is loaded; a visitor crawls the
public site from / and from /en/, a client signed in to the privacy center and her booking's
signed pages are added, and the coach crawls her staff side from /staff/ (in Swedish, and in
English as the language switch's cookie chooses). Each kind of page (a URL
pattern, per language) is read once or twice, in headless Chromium, as rendered text plus the
attributes people read (titles, labels, placeholders, button values).
"""

from __future__ import annotations

import re
from collections import Counter
from io import StringIO
from urllib.parse import urljoin, urlsplit

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from consonance.booking.models import Booking
from consonance.booking.tokens import booking_token
from consonance.bookkeeping.documents import document_token
from consonance.bookkeeping.models import Document
from consonance.journal.consultations import consultation_token
from consonance.journal.models import Consultation
from consonance.newsletter.tokens import unsubscribe_token
from consonance.payments.models import RefundAccount
from consonance.payments.tokens import account_token
from consonance.people.models import MemberProfile, Person
from tests.factories import member_code

pytestmark = pytest.mark.django_db(transaction=True)

# The pages people read (GET, HTML); actions, downloads, webhooks and sign-in steps are not pages.
PUBLIC = {
    "home",
    "about",
    "booking-services",
    "booking-service",
    "booking-book",
    "booking-status",
    "booking-cancel",
    "booking-move",
    "bookkeeping-document",
    "consent:cookies",
    "contact",
    "contact-thanks",
    "journal:consultation",
    "newsletter:signup",
    "newsletter:unsubscribe",
    "privacy-policy",
    "privacy-register",
    "rights:start",
    "rights:overview",
    "rights:rectify",
    "rights:restrict",
    "rights:erase",
    "rights:journal",
    "accounts:home",
    "accounts:private",
    "payments-refund-account",
    "payments-refund-account-thanks",
}
STAFF = {
    "staff:home",
    "booking_staff:index",
    "booking_staff:create",
    "booking_staff:days-off",
    "booking_staff:detail",
    "booking_staff:feed",
    "booking_staff:busy",
    "booking_staff:hours",
    "booking_staff:service",
    "booking_staff:service-new",
    "booking_staff:services",
    "booking_staff:week",
    "web_staff:holiday",
    "web_staff:clients",
    "web_staff:client",
    "web_staff:pages",
    "web_staff:pages-home",
    "payments_staff:index",
    "payments_staff:order",
    "payments_staff:refunds",
    "payments_staff:refund",
    "payments_staff:paypal-withdrawal",
    "bankgiro_staff:index",
    "bankgiro_staff:import-detail",
    "bookkeeping_staff:index",
    "bookkeeping_staff:fortnox",
    "bookkeeping_staff:glance",
    "bookkeeping_staff:reconciliation",
    "bookkeeping_staff:vat",
    "bookkeeping_staff:verify",
    "bookkeeping_staff:voucher",
    "bookkeeping_staff:voucher-correction",
    "contact_staff:index",
    "contact_staff:conversation",
    "journal_staff:index",
    "journal_staff:client",
    "journal_staff:consultation",
    "journal_staff:note",
    "mail_staff:outbox",
    "newsletter_staff:index",
    "newsletter_staff:detail",
    "newsletter_staff:send",
    "newsletter_staff:delete",
    "privacy_staff:dashboard",
    "rights_staff:index",
    "rights_staff:receipt",
}
PER_PATTERN = 2  # pages read per URL pattern and language
# Never followed: they sign out, download files or act (a GET that acts would be a bug of its own).
SKIP = re.compile(
    r"/(staff/logout|admin)/|\.(ics|se|csv|json|zip|pdf|png|svg|txt)$|/(ladda-ner|download)"
)

# Leaks in any language: Django's defaults, raw codes, Python values, dotted amounts.
ANY = {
    "Django default": r"-{9}",
    "raw code": r"(?<![\w@./-])[a-z]+(?:_[a-z]+)+(?![\w@./-])",
    "Python value": r"\b(True|False)\b|\bNone\b(?! of)",
    "dotted amount": r"\b\d+\.\d\d[ \u00a0]kr\b",
    # Her pages speak in words: no promise ids, audit actors or setting names.
    "promise id": r"\bP\d{1,2}\b",
    "actor code": r"\b(staff|person):\d+\b|\((system|staff|person)\)",
    "setting name": r"\bCONSONANCE_[A-Z_]+\b",
}
SWEDISH = {
    "Django default": r"Select an option|This field is required|Enter a valid",
    "English month": r"\b\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d{4}\b",
    "English word": r"\b(Save|Submit|Cancel|Delete|Back|Next|Previous|Search|Sign in|Log ?out|"
    r"Download|Close|Yes|No|minutes?|hours?|days?|Page not found|Booking|Payment|Refund)\b",
    "plural after 1": r"\b1 (betalningar|bokningar|ordrar|samtalen|dagar|timmar|minuter|veckor|"
    r"månader|klienter|anteckningar|återbetalningar|prenumeranter|verifikationer|meddelandena|"
    r"förfrågningar|begäranden|kunder|fakturor|kvitton)\b",
    # The practice is one person: "jag". ("Vi ses", "mellan oss", "våra samtal" are the coach and
    # her client together, and welcome.)
    "we, not I": r"\b(hos oss|till oss|kontakta oss|[Vv]i (har sparat|har skickat|har uppgifter|"
    r"skickar|sparar|raderar|behandlar|använder|visar|svarar)|(har|skickar|sparar|raderar|"
    r"behandlar|använder|visar|vet|svarar) vi)\b",
}
ENGLISH = {
    "Swedish word": r"\b(och|eller|inte|för|till|från|med|Boka|Avboka|Spara|Skicka|Tillbaka|"
    r"Betala|Bekräfta|Radera|Stäng|Sök|Nästa|Föregående|bokning|betalning|avbokning)\b",
    "Swedish amount": r"\b\d+,\d\d kr\b",
    "Swedish month": r"\b\d{1,2} (januari|februari|mars|april|maj|juni|juli|augusti|september|"
    r"oktober|november|december) \d{4}\b",
}
# What people read: the title, the text and the attributes assistive tech reads; code (cookie
# names, error codes for support) is shown as code on purpose, and what people wrote (.written)
# (notes, messages, her pages, the books' texts) is in their own words.
READ = """() => { document.querySelectorAll('code, kbd, samp, .written').forEach(e => e.remove());
  return [document.title, document.body.innerText,
  ...[...document.querySelectorAll('[title],[aria-label],[placeholder],input[type=submit]')]
     .map(e => [e.title, e.getAttribute('aria-label'), e.placeholder, e.value].filter(Boolean))
     .flat(),
  ...[...document.querySelectorAll('option')].map(o => o.textContent)].join('\\n') }"""
LINKS = "() => [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))"


def leaks(text: str, language: str, data: set[str]) -> list[str]:
    """What in `text` should not be there; `data` are the demo's own words (names, her texts)."""
    for word in data:
        text = text.replace(word, " ")
    rules = {**ANY, **(SWEDISH if language == "sv" else ENGLISH)}
    return [
        f"{name}: {m.group(0)!r} in …{text[max(0, m.start() - 40) : m.end() + 20]!r}…"
        for name, rule in rules.items()
        for m in re.finditer(rule, text)
    ]


class Crawl:
    """Reads pages of one site in one tab, a bounded number per URL pattern and language."""

    def __init__(self, tab, base: str, data: set[str], language: str = "") -> None:
        self.tab, self.base, self.data = tab, base, data
        self.language = language  # when not told by the path (the staff side: by a cookie)
        self.seen: set[str] = set()
        self.per_kind: Counter[tuple[str, str]] = Counter()
        self.found: dict[str, list[str]] = {}

    def kind(self, path: str) -> tuple[str, str] | None:
        language = self.language or ("en" if path.startswith("/en/") else "sv")
        try:
            with translation.override(language):  # /en/… resolves only with English active
                return (resolve(urlsplit(path).path).view_name, language)
        except Resolver404:
            return None

    def read(self, path: str) -> list[str]:
        """Read one page; return the site's links on it."""
        self.seen.add(path)
        kind = self.kind(path)
        if kind is None or self.per_kind[kind] >= PER_PATTERN:
            return []
        response = self.tab.request.get(self.base + path, max_redirects=0)
        if "text/html" not in response.headers.get("content-type", ""):
            return []
        self.per_kind[kind] += 1
        self.tab.goto(self.base + path)
        here = urlsplit(self.tab.url).path
        found = leaks(self.tab.evaluate(READ), kind[1], self.data)
        if found:
            self.found[here] = found
        return self.tab.evaluate(LINKS)

    def report(self) -> str:
        return "\n".join(f"{path}: {leak}" for path, found in self.found.items() for leak in found)

    def walk(self, *starts: str, inside: str = "/") -> None:
        queue = list(starts)
        while queue:
            path = queue.pop(0)
            if path in self.seen:
                continue
            for href in self.read(path):
                url = urlsplit(urljoin(self.base + path, href))
                if url.netloc != urlsplit(self.base).netloc or SKIP.search(url.path):
                    continue
                target = url.path + (f"?{url.query}" if url.query else "")
                if url.path.startswith(inside) and target not in self.seen:
                    queue.append(target)


@pytest.fixture
def demo(settings, live_server):
    settings.DEBUG = True  # the demo refuses to load otherwise
    call_command("demo", stdout=StringIO())
    settings.DEBUG = False
    settings.SITE_URL = live_server.url
    mail.outbox.clear()
    # Names are data, not UI: a Swedish name on an English page is no leak.
    people = Person.objects.all()
    return live_server.url, {p.first_name for p in people} | {p.last_name for p in people}


def signed_pages() -> list[str]:
    """The pages a client reaches from her e-mails, in both languages."""
    booking = Booking.objects.filter(state=Booking.State.CONFIRMED, order__isnull=False).first()
    consultation = Consultation.objects.first()
    refund_account = RefundAccount.objects.filter(received_at__isnull=True).first()
    pages = []
    for language in ("sv", "en"):
        with translation.override(language):
            pages += [
                reverse("booking-status", args=[booking_token(booking, "status")]),
                reverse("booking-cancel", args=[booking_token(booking, "cancel")]),
                reverse("booking-move", args=[booking_token(booking, "move")]),
                reverse("journal:consultation", args=[consultation_token(consultation)]),
                reverse("newsletter:unsubscribe", args=[unsubscribe_token(booking.person_id)]),
                reverse("contact-thanks"),
                reverse("payments-refund-account", args=[account_token(refund_account)]),
                reverse("payments-refund-account-thanks"),
                *(
                    reverse("bookkeeping-document", args=[document_token(document)])
                    for document in {d.kind: d for d in Document.objects.all()}.values()
                ),
            ]
    return pages


def sign_in(tab, base: str, email: str, language: str) -> None:
    """Into the privacy center by the e-mailed link, and into her account by the e-mailed code."""
    prefix = "/en" if language == "en" else ""
    tab.goto(base + prefix + ("/my-data/" if language == "en" else "/mina-uppgifter/"))
    tab.fill("input[name=email]", email)
    tab.click("main form button[type=submit]")
    link = re.search(r"https?://\S+/in/#\S+", mail.outbox[-1].body).group(0)
    tab.goto(link.replace("https://consonance.test", base))
    tab.wait_for_url("**/overview/" if language == "en" else "**/oversikt/")


def test_every_public_page_in_both_languages_speaks_the_visitors_language(tab, demo):
    base, names = demo
    crawl = Crawl(tab, base, names)
    crawl.walk("/", "/en/", "/kontakt/", "/en/contact/", "/nyhetsbrev/", "/en/newsletter/")
    crawl.walk(*signed_pages())
    # A client signed in to the privacy center reads everything there, in both languages.
    email = Booking.objects.filter(state=Booking.State.CONFIRMED).first().person.email
    sign_in(tab, base, email, "sv")
    crawl.walk("/mina-uppgifter/oversikt/", inside="/mina-uppgifter/")
    sign_in(tab, base, email, "en")
    crawl.walk("/en/my-data/overview/", inside="/en/my-data/")
    # A member signed in to her account.
    member = MemberProfile.objects.select_related("person").first().person
    tab.goto(base + "/konto/")
    tab.fill("input[name=email]", member.email)
    tab.click("main form button[type=submit]")
    tab.fill("input[name=code]", member_code(mail.outbox[-1].body))
    tab.click("main form button[type=submit]")
    tab.wait_for_url("**/konto/")
    crawl.walk("/konto/", inside="/konto/")
    crawl.walk("/en/account/", inside="/en/account/")
    for language in ("sv", "en"):
        with translation.override(language):
            crawl.walk(reverse("accounts:private"))
    kinds = {kind for kind, _language in crawl.per_kind}
    missing = PUBLIC - kinds
    assert not missing, f"pages not reached: {sorted(missing)}"
    assert not crawl.found, crawl.report()


@pytest.mark.parametrize("language", ["sv", "en"])
def test_every_staff_page_speaks_the_coachs_language(tab, demo, language):
    base, names = demo
    tab.goto(base + "/staff/login/")
    tab.fill("input[name=username]", "coach")
    tab.fill("input[name=password]", "consonance-demo")
    tab.click("main form button[type=submit]")
    device = TOTPDevice.objects.get(user__username="coach")
    tab.fill("input[name=otp_token]", f"{totp(device.bin_key):06d}")
    tab.click("main form button[type=submit]")
    tab.wait_for_url("**/staff/")
    host = urlsplit(base).hostname
    tab.context.add_cookies(
        [{"name": "django_language", "value": language, "domain": host, "path": "/"}]
    )
    crawl = Crawl(tab, base, names, language)
    crawl.walk("/staff/", inside="/staff/")
    kinds = {kind for kind, _language in crawl.per_kind}
    missing = STAFF - kinds
    assert not missing, f"pages not reached: {sorted(missing)}"
    assert not crawl.found, crawl.report()


def test_the_scan_finds_what_the_issue_found():
    found = " ".join(
        leaks(
            "- Select an option - 4 Dec 2026 refund_requested 1 betalningar 900.00 kr None "
            "Om adressen finns hos oss skickar vi en länk. Save 15,840.00\u00a0kr (P17) "
            "Bokförd (staff:1) CONSONANCE_FORTNOX_CLIENT_ID",
            "sv",
            set(),
        )
    )
    for leak in (
        "Select an option",
        "4 Dec 2026",
        "refund_requested",
        "1 betalningar",
        "900.00 kr",
        "15,840.00",
        "P17",
        "staff:1",
        "CONSONANCE_FORTNOX_CLIENT_ID",
    ):
        assert leak in found
    assert (
        "'hos oss'" in found and "'skickar vi'" in found and "'Save'" in found and "None" in found
    )
    assert leaks("Vi ses över video, och det stannar mellan oss.", "sv", set()) == []
    english = " ".join(leaks("Boka en tid · 900,00 kr · 4 december 2026", "en", set()))
    assert "Boka" in english and "900,00 kr" in english and "4 december 2026" in english
    assert leaks("Åsa Öberg booked a session", "en", {"Åsa", "Öberg"}) == []
