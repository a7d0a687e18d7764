"""Issue 17 walked in headless Chromium, as the client and the coach would: a client moves to a
new address and her refund follows her; a note saved from a contact message has a clock; an
erasure names the unpaid reservation and the invoice not to pay; the coach places and lifts a
legal hold on the retention page."""

from __future__ import annotations

import io
import json
import re
import time
import zipfile
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import formats, timezone, translation
from playwright.sync_api import Page

from consonance.audit.services import SYSTEM
from consonance.contact.services import message_receive
from consonance.payments.models import Order, Refund
from consonance.people.models import Person
from consonance.privacy.models import LegalHold
from consonance.privacy.retention import retention_run
from tests.factories import (
    coach_signs_in,
    confirmed_booking,
    make_practice,
    page_go,
    page_shows,
    sent_to,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def site(live_practice) -> Page:
    return live_practice


go, shows = page_go, page_shows


def her_tab(tab: Page) -> Page:
    """A browser of her own (fresh cookies, Swedish) beside the coach's."""
    context = tab.context.browser.new_context(locale="sv-SE")
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.base = tab.base  # type: ignore[attr-defined]
    return page


def mailed(to: str, pattern: str) -> re.Match[str]:
    """The newest mail to `to` matching `pattern`, once the live server's worker has sent it."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        for message in reversed(sent_to(to)):
            found = re.search(pattern, f"{message.subject}\n{message.body}")
            if found:
                return found
        time.sleep(0.2)
    raise AssertionError(f"no mail to {to} matching {pattern!r}")


def privacy_center(page: Page, email: str) -> None:
    go(page, "/mina-uppgifter/")
    page.fill("input[name=email]", email)
    page.click("main form button[type=submit]")
    shows(page, "Titta i din inkorg")
    link = mailed(email, r"https?://\S+/mina-uppgifter/in/#\S+").group(0)
    page.goto(re.sub(r"^https?://[^/]+", page.base, link))
    page.wait_for_url("**/mina-uppgifter/oversikt/")


def test_she_moves_to_a_new_address_and_her_refund_follows_her(site, staff_user):
    video, _ = make_practice()
    order = confirmed_booking(video, None, method=Order.Method.BANKGIRO).order
    old, new = "astrid@example.se", "astrid.ny@example.se"
    her = her_tab(site)

    # She changes her address in the privacy center and confirms it from the new mailbox.
    privacy_center(her, old)
    her.get_by_role("link", name="Rätta namn eller e-post").click()
    her.fill("input[name=email]", new)
    her.click("main form button[type=submit]")
    shows(her, "Jag har skickat en länk till den nya adressen.")
    link = mailed(new, r"https?://\S+/mina-uppgifter/ratta/adress/\S+/").group(0)
    her.goto(re.sub(r"^https?://[^/]+", her.base, link))
    her.get_by_role("button", name="Byt adress").click()
    shows(her, "din e-postadress är bytt")
    mailed(old, r"Din e-postadress har ändrats till a\*\*\*@example\.se")

    # The coach refunds part of it: her list shows the new address, the link goes there.
    coach_signs_in(site, site.base, staff_user)
    go(site, f"/staff/payments/{order.pk}/")
    page = shows(site, "betalade med adressen astrid@example.se")
    assert new in page
    mail.outbox.clear()
    site.fill("input[name=amount]", "300")
    site.get_by_role("button", name="Betala tillbaka").click()
    shows(site, "Återbetalningen är på väg.")
    [ask] = [m for m in mail.outbox if "Vart ska jag betala tillbaka" in m.subject]
    assert ask.to == [new]
    go(site, "/staff/payments/refunds/")
    listed = shows(site, new)
    assert old not in listed
    refund = Refund.objects.get(order=order)
    go(site, f"/staff/payments/refunds/{refund.pk}/")
    mail.outbox.clear()
    site.get_by_role("button", name="Skicka en ny länk").click()
    shows(site, new)
    assert [m.to for m in mail.outbox] == [[new]]


def test_a_note_from_a_contact_message_has_a_clock_and_her_copy_keeps_the_ten_days(
    site, staff_user
):
    message = message_receive(
        email="disa.holm@example.se",
        name="Disa Holm",
        body="Jag sover dåligt sedan i somras.",
        language="sv",
        actor=SYSTEM,
    )
    person = message.person

    # The coach saves what must be kept to the journal (no consultation ever booked).
    coach_signs_in(site, site.base, staff_user)
    go(site, f"/staff/contact/{person.pk}/")
    site.get_by_text("Spara något i journalen först").click()
    site.fill(f"textarea[name='{message.pk}-text']", "Sover dåligt sedan i somras.")
    site.get_by_role("button", name="Spara i journalen").click()
    shows(site, "sparat i journalen")
    site.fill("textarea[name=text]", "Hej Disa! Tack för att du skrev.")
    site.get_by_role("button", name="Skicka svaret och radera samtalet").click()
    mailed("disa.holm@example.se", "Tack för att du skrev")

    # She sees when her notes go: two years on, never "until further notice".
    her = her_tab(site)
    privacy_center(her, "disa.holm@example.se")
    card = her.locator("section.card", has_text="Journalanteckningar").inner_text()
    with translation.override("sv"):
        until = formats.date_format(timezone.localdate() + timedelta(days=730), "j F Y")
    assert "tills vidare" not in card and until.split()[-1] in card, card
    assert "inom 10 dagar" in shows(her, "När jag har gått igenom din begäran")

    # Her copy keeps the promise the page makes: the text comes within 10 days, on request.
    with her.expect_download() as download:
        her.get_by_role("link", name="Ladda ner allt (ZIP)").click()
    with zipfile.ZipFile(io.BytesIO(open(download.value.path(), "rb").read())) as archive:
        data = json.loads(archive.read("data.json"))
        html = archive.read("index.html").decode()
    assert data["journal_notes_withheld"] is True and "Sover dåligt" not in html
    assert "lämnar ut dem inom 10 dagar" in html

    # Two years and a day after the note, the notes and her contact details go together.
    retention_run(now=timezone.now() + timedelta(days=732))
    assert not Person.objects.filter(pk=person.pk).exists()


def test_her_erasure_names_the_unpaid_reservation_and_the_invoice_not_to_pay(site):
    make_practice()
    her = her_tab(site)
    go(her, "/boka/")
    her.locator("section.card", has_text="Videokonsultation").get_by_role("link").click()
    for _ in range(4):
        if her.locator("ul.slots a").count():
            break
        her.get_by_role("link", name="Senare →").click()
    her.locator("ul.slots a").first.click()
    her.fill("input[name=first_name]", "Siri")
    her.fill("input[name=last_name]", "Ek")
    her.fill("input[name=email]", "siri@example.se")
    her.check("input[name=method][value=bankgiro]")
    her.click("main form button[type=submit]")
    shows(her, "OCR-nummer")

    privacy_center(her, "siri@example.se")
    go(her, "/mina-uppgifter/radera/")
    page = shows(her, "Du har reserverat tider som inte är betalda")
    invoice = re.search(r"Betala inte faktura (F\d{4}-\d+)", page)
    assert invoice and "inte betald, reservationen tas bort" in page
    her.check("input[name=confirm]")
    her.click("main form button[type=submit]")
    receipt = shows(her, "Kvitto på radering")
    assert f"Betala inte faktura {invoice.group(1)}" in receipt and "Dina bokningar" in receipt
    [mailed] = [m for m in sent_to("siri@example.se") if "raderade" in m.body.lower()]
    assert f"Betala inte faktura {invoice.group(1)}" in mailed.body


def test_the_coach_places_and_lifts_a_legal_hold_on_the_retention_page(site, staff_user):
    long_ago = timezone.now() - timedelta(days=800)
    eva = Person.objects.create(
        email="eva@example.se",
        first_name="Eva",
        last_name="Holm",
        created_at=long_ago,
        last_contact_at=long_ago,
    )
    coach_signs_in(site, site.base, staff_user)
    go(site, "/staff/privacy/")
    site.fill("input[name=hold-email]", "eva@example.se")
    site.fill("textarea[name=hold-reason]", "Tvist om en faktura.")
    site.get_by_role("button", name="Spara spärren").click()
    shows(site, "Spärren är sparad.")
    row = site.locator("#sparrar ~ div table tr", has_text="Eva Holm").inner_text()
    assert "Tvist om en faktura." in row and "tills du häver den" in row
    retention_run(now=timezone.now())
    assert Person.objects.filter(pk=eva.pk).exists()

    site.get_by_role("button", name="Häv spärren").click()
    shows(site, "Spärren är hävd.")
    assert LegalHold.objects.get().lifted_at is not None
    retention_run(now=timezone.now())
    assert not Person.objects.filter(pk=eva.pk).exists()
