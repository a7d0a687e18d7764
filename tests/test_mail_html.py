"""Every e-mail goes as text plus a simple HTML part made from it: the same words, escaped, links
as anchors, the practice's name on top, the mail's language, nothing fetched from elsewhere;
DKIM-signed over the whole multipart message when a key is configured."""

from __future__ import annotations

import re
from email import message_from_bytes, policy
from html import unescape

import dkim
import pytest
from django.core import mail

from consonance.audit.services import SYSTEM
from consonance.contact.services import message_receive
from consonance.mail.outbox import mail_render
from consonance.newsletter.campaigns import campaign_create, campaign_start
from tests.factories import (
    STAFF_EMAIL,
    book_by_bankgiro,
    member_code,
    pay,
    sent_to,
    staff_mail,
    subscriber,
)

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert(1)</script><a href="javascript:alert(2)">Astrid</a><img src=x>'
ANCHOR = re.compile(r'<a\b[^>]*\bhref="([^"]*)"[^>]*>(.*?)</a>', re.S)


def html_of(message) -> str:
    [html] = [a.content for a in message.alternatives if a.mimetype == "text/html"]
    return html


def visible(html: str) -> str:
    """What a reader sees of the HTML: no head, no tags, entities resolved, spaces collapsed."""
    body = re.sub(r"<head>.*?</head>", " ", html, flags=re.S)
    body = re.sub(r"</?(?:a|strong|em|code)\b[^>]*>", "", body)  # inline: no space
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", body)).split())


def words(text: str) -> set[str]:
    return set(re.findall(r"[^\s<>]+", text))


def assert_sound(html: str, text: str, *, language: str = "sv") -> None:
    """Simple, calm, safe HTML that says nothing the text does not."""
    assert html.startswith("<!doctype html>") and f'<html lang="{language}">' in html
    assert "Consonance Communication" in visible(html)[:40]  # the practice's name on top
    for forbidden in ("<script", "<img", "<link", "<style", "@import", "url(", "<iframe"):
        assert forbidden not in html.lower()
    for tag in re.findall(r"<[a-z][^>]*>", html, re.I):
        assert not re.search(r"\s(?:src|on\w+)\s*=", tag, re.I), tag
    # Data minimisation: every word of the HTML is in the text part.
    assert words(visible(html)) <= words(text) | {"-"}, words(visible(html)) - words(text)
    for href, label in ANCHOR.findall(html):
        # Each link shows where it goes, and goes only to a web or e-mail address of the text.
        target = unescape(href).removeprefix("mailto:")
        assert unescape(re.sub(r"<[^>]+>", "", label)) == target
        assert href.startswith(("https://", "http://", "mailto:")) and target in text


@pytest.fixture
def coach_mail(settings):
    settings.CONSONANCE_STAFF_EMAIL = STAFF_EMAIL


def test_a_booking_and_its_confirmation_go_as_text_plus_html_with_the_same_amounts_and_dates(
    client, practice, coach_mail, django_capture_on_commit_callbacks
):
    video, _email = practice
    with django_capture_on_commit_callbacks(execute=True):
        _response, booking = book_by_bankgiro(client, video, n=1)
    [invoice] = sent_to("astrid1@example.se")
    assert_sound(html_of(invoice), invoice.body)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        pay(booking.order)
    [confirmation] = sent_to("astrid1@example.se")
    html, text = html_of(confirmation), confirmation.body
    assert_sound(html, text)
    booking.refresh_from_db()
    for same in ("900,00 kr", booking.order.reference, "mars 2026", booking.join_url):
        assert same in text and same in visible(html), same
    day = re.search(r"\w+dag \d+ mars 2026 \d\d:\d\d", text)[0]
    assert day in visible(html)
    # Every link of the text is an anchor in the HTML: the video room, move, cancel, documents.
    links = re.findall(r"https?://\S+", text)
    assert links and set(links) <= {unescape(href) for href, _label in ANCHOR.findall(html)}
    # Paragraphs are kept, and the calendar file and the invoice as PDF are still attached.
    assert html.count("<p ") >= text.count("\n\n") - 1
    names = [name for name, _c, _t in confirmation.attachments]
    assert names == ["konsultation.ics", f"faktura-{booking.order.documents.get().label}.pdf"]


def test_a_hostile_name_is_shown_as_text_in_the_coachs_notice(
    client, practice, coach_mail, django_capture_on_commit_callbacks
):
    video, _email = practice
    with django_capture_on_commit_callbacks(execute=True):
        _response, booking = book_by_bankgiro(client, video, n=2)
    booking.person.first_name = HOSTILE
    booking.person.save(update_fields=["first_name"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        pay(booking.order)
    [notice] = staff_mail()
    html = html_of(notice)
    assert HOSTILE in notice.body
    assert_sound(html, notice.body)
    assert (
        "&lt;script&gt;alert(1)&lt;/script&gt;&lt;a href=&quot;javascript:alert(2)&quot;&gt;"
        in html
    )
    assert "javascript:" not in "".join(href for href, _l in ANCHOR.findall(html))
    assert HOSTILE in visible(html)  # she reads the name exactly as it was typed


def test_the_coachs_reply_to_the_contact_form_escapes_what_it_quotes(
    staff_client, coach_mail, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://praktik.example"
    message = message_receive(
        email="disa.holm@example.se",
        name=HOSTILE,
        body="<b>hej</b>",
        language="sv",
        actor=SYSTEM,
    )
    reply = (
        "Hej!\n\n> <b>hej</b> </p><script>x()</script>\n\nLäs mer: https://praktik.example/om-mig/."
    )
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(
            f"/staff/contact/{message.person_id}/reply/", {"text": reply, "upto": message.pk}
        )
    [sent] = sent_to("disa.holm@example.se")
    html = html_of(sent)
    assert_sound(html, sent.body)
    assert "&gt; &lt;b&gt;hej&lt;/b&gt; &lt;/p&gt;&lt;script&gt;x()&lt;/script&gt;" in html
    # The link ends where the sentence does.
    assert ("https://praktik.example/om-mig/", "https://praktik.example/om-mig/") in ANCHOR.findall(
        html
    )


def test_the_sign_in_code_mail_has_the_code_in_both_parts_in_her_language(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/en/account/",
            {"email": "moa.sten@example.se", "first_name": HOSTILE, "last_name": "Sten"},
        )
    assert response.status_code == 302
    [message] = sent_to("moa.sten@example.se")
    html = html_of(message)
    assert_sound(html, message.body, language="en")
    code = member_code(message.body)
    assert code in visible(html)
    assert "/en/account/code/" in "".join(href for href, _l in ANCHOR.findall(html))


def test_a_newsletter_has_its_markdown_as_sanitised_html_in_the_same_layout(
    settings, coach_mail, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://praktik.example"
    subscriber("anna@example.se")
    body = (
        "# Vår\n\nEtt **kort** brev med [en länk](https://example.se/x) och "
        "https://example.se/bar.\n\n- ett\n- två\n\n<script>alert(1)</script>"
        '<img src="https://tracker.example/p.gif"><a href="javascript:x()">klick</a>\n'
    )
    campaign = campaign_create(subject_sv="Vårbrev <i>", body_sv=body, actor=SYSTEM)
    with django_capture_on_commit_callbacks(execute=True):
        campaign_start(campaign=campaign, actor=SYSTEM)
    [message] = sent_to("anna@example.se")
    html = html_of(message)
    assert '<html lang="sv">' in html and "<title>Vårbrev &lt;i&gt;</title>" in html
    assert (
        "Consonance Communication" in visible(html)[:40]
        and "Consonance Communication" in message.body
    )
    assert "<h1 style=" in html and "<strong>kort</strong>" in html and "<li style=" in html
    hrefs = [unescape(href) for href, _label in ANCHOR.findall(html)]
    assert "https://example.se/x" in hrefs and "https://example.se/bar" in hrefs
    unsubscribe = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert unsubscribe in hrefs and unsubscribe in message.body
    for forbidden in ("<script", "<img", "tracker.example", "javascript:"):
        assert forbidden not in html


def test_the_html_part_is_made_from_the_text_when_a_message_has_no_html_template(db):
    rendered = mail_render(
        template="coach_booking",
        context={
            "event": "paid",
            "first_name": "Åsa & <Co>",
            "service_name": "Videokonsultation 50 min",
            "starts": "torsdag 19 mars 2026 10:00",
            "url": "https://praktik.example/staff/booking/7/",
        },
    )
    assert rendered.html.startswith("<!doctype html>")
    assert "Åsa &amp; &lt;Co&gt; har bokat och betalat" in rendered.html
    assert ANCHOR.findall(rendered.html)[0][0] == "https://praktik.example/staff/booking/7/"
    assert_sound(rendered.html, rendered.text)


@pytest.mark.django_db(transaction=True)
def test_a_signed_multipart_mail_from_the_outbox_verifies_with_dkim(
    smtp_server,
    client,
    practice,
    settings,
    dkim_signing,
):
    settings.CONSONANCE_DKIM_SELECTOR = "tx2026"
    settings.CONSONANCE_DKIM_DOMAIN = "praktik.example"
    video, _email = practice
    _response, booking = book_by_bankgiro(client, video, n=3)
    pay(booking.order)
    raws = [raw for raw in smtp_server.raw if b"astrid3@example.se" in raw.split(b"\r\n\r\n")[0]]
    assert len(raws) == 2  # the invoice, then the confirmation with its calendar file and PDF
    dns = dkim_signing
    for raw in raws:
        assert dkim.verify(raw, dnsfunc=dns)
    assert set(dns.asked) == {b"tx2026._domainkey.praktik.example."}
    parsed = message_from_bytes(raws[1], policy=policy.default)
    assert parsed.get_content_type() == "multipart/mixed"
    assert [part.get_content_type() for part in parsed.walk()] == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "text/html",
        "text/calendar",
        "application/pdf",
    ]
    html = parsed.get_body(("html",)).get_content()
    assert "900,00 kr" in html and parsed.get_body(("plain",)).get_content().count("900,00 kr")
    # The signature covers the body: changing a word of the HTML part breaks it.
    tampered = raws[1].replace(
        parsed.get_body(("html",)).get_payload().encode()[:40],
        parsed.get_body(("html",)).get_payload().encode()[:39] + b"A",
    )
    assert tampered != raws[1] and not dkim.verify(tampered, dnsfunc=dns)
