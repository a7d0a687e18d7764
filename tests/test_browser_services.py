"""Issue 17 walked in headless Chromium as the client and the coach would: an e-mail consultation
that is a service, not a time (completed, refunded by its terms, no reply past the count, a late
mail on the overview, its texts in "jag" with no time); the coach's own notices never ingested;
newsletter drafts edited, deleted and sent only after a confirmation page."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation
from playwright.sync_api import Page, expect

from consonance.booking import emails as booking_emails
from consonance.booking.models import Booking
from consonance.booking.tokens import booking_token
from consonance.journal.consultations import consultation_token, reply_token
from consonance.journal.inbound import file_inbound
from consonance.journal.models import Consultation
from consonance.mail import ingest
from consonance.mail.hooks import InboundMail
from consonance.mail.models import OutboxMessage
from consonance.mail.outbox import mail_queue
from consonance.newsletter.campaigns import campaign_create
from consonance.newsletter.models import Campaign, Delivery
from consonance.payments.models import Order, Refund
from tests.factories import coach_signs_in, make_email_consultation, subscriber
from tests.factories import page_go as go
from tests.factories import page_shows as shows

pytestmark = pytest.mark.django_db(transaction=True)
PRACTICE = "praktik@example.se"


@pytest.fixture
def site(tab, live_server, settings) -> Page:
    settings.SITE_URL = live_server.url
    settings.DEBUG = False
    tab.base = live_server.url
    return tab


def paid_consultation(exchanges: int = 3) -> Consultation:
    consultation = make_email_consultation(exchanges=exchanges)
    booking = consultation.booking
    booking.order = Order.objects.create(
        reference=f"E-{booking.pk}",
        person=consultation.person,
        method=Order.Method.CARD,
        status=Order.Status.PAID,
        description=booking.service.name_sv,
        amount=Decimal("1500.00"),
        amount_paid=Decimal("1500.00"),
        payer_name="Åsa Öberg",
        payer_email=consultation.person.email,
        payment_ref="pi_test",
    )
    booking.save(update_fields=["order"])
    return consultation


def test_an_email_consultation_runs_to_completed_and_a_late_mail_waits_for_the_coach(
    site, staff_user
):
    consultation = paid_consultation(exchanges=2)
    booking = consultation.booking
    cancel = reverse("booking-cancel", args=[booking_token(booking, "cancel")])
    # Before any reply the client may cancel for all of it, and is told when that ends.
    go(site, cancel)
    shows(site, "När jag har svarat första gången har konsultationen börjat, och då återbetalas")
    shows(site, "Enligt avbokningsvillkoren får du tillbaka 1 500,00 kr")
    # She writes; the coach replies twice from her page.
    go(site, f"/mejlkonsultation/{consultation_token(consultation)}/")
    site.get_by_label("Ditt meddelande").fill("Hur hanterar jag oron inför måndagen?")
    site.get_by_role("button", name="Skicka").click()
    shows(site, "Tack! Ditt meddelande är skickat till mig.")
    coach_signs_in(site, site.base, staff_user)
    go(site, f"/staff/journal/consultations/{consultation.pk}/")
    site.locator("textarea[name=body]").fill("Skriv ner tre saker du vill säga.")
    site.get_by_role("button", name="Skicka svaret").click()
    shows(site, "Svaret är sparat")
    # Answered: the client's cancellation now gives nothing back.
    client_tab = site.context.browser.new_context(locale="sv-SE").new_page()
    client_tab.goto(site.base + cancel)
    expect(client_tab.locator("main")).to_contain_text("Jag har redan svarat dig")
    expect(client_tab.locator("main")).to_contain_text("får du tillbaka 0,00 kr")
    site.locator("textarea[name=body]").fill("Andas lugnt före mötet. Lycka till!")
    site.get_by_role("button", name="Skicka svaret").click()
    text = shows(site, "Konsultationen är avslutad: alla svar är givna.")
    assert "Skicka svaret" not in text and "Avslutad" in text
    assert Booking.objects.get(pk=booking.pk).state == Booking.State.COMPLETED
    # Completed: no cancellation at all, and nothing refunded.
    client_tab.reload()
    expect(client_tab.locator("main")).to_contain_text("Mejlkonsultationen är avslutad")
    assert client_tab.get_by_role("button", name="Ja, avboka").count() == 0
    assert not Refund.objects.exists()
    # Her mail after the end reaches the coach's overview, and the coach sees to it.
    file_inbound(
        InboundMail(
            role="inbox",
            message_id="<sent@example.se>",
            in_reply_to="",
            references=(),
            from_address=consultation.person.email,
            from_name="Åsa Öberg",
            to_addresses=(PRACTICE,),
            subject=f"Re: svar [#{reply_token(consultation)}]",
            text="En sista fråga: får jag höra av mig igen?",
            html="",
            date=timezone.now(),
        )
    )
    go(site, "/staff/")
    site.get_by_text("Meddelande efter avslutad mejlkonsultation").wait_for()
    site.locator(f'main a[href="/staff/journal/consultations/{consultation.pk}/"]').first.click()
    shows(site, "En sista fråga")
    site.get_by_role("button", name="Markera som hanterat").click()
    shows(site, "Meddelandet är markerat som hanterat.")
    go(site, "/staff/")
    assert "Meddelande efter avslutad" not in site.inner_text("main")


@pytest.mark.parametrize("language", ["sv", "en"])
def test_its_pages_and_mails_speak_of_no_time_and_in_the_first_person(site, language):
    consultation = paid_consultation()
    booking = consultation.booking
    booking.language = language
    booking.save(update_fields=["language"])
    booking_emails.confirmed(booking)
    confirmed = OutboxMessage.objects.get(template="booking_confirmed")
    assert not confirmed.attachments
    lowered = confirmed.body_text.lower()
    assert "kalenderfil" not in lowered and "calendar file" not in lowered
    opened = OutboxMessage.objects.get(template="journal_consultation_opened").body_text
    assert " vi " not in f" {opened} " and " we " not in f" {opened} "
    with translation.override(language):
        go(site, reverse("booking-status", args=[booking_token(booking, "status")]))
    body = site.inner_text("main")
    assert "kalenderfil" not in body and "calendar file" not in body
    assert ("konsultationssida" if language == "sv" else "consultation page") in body


def test_her_own_notice_is_removed_from_the_mailbox_and_the_settings_warn(
    site, staff_user, settings, imap_server
):
    settings.DEFAULT_FROM_EMAIL = f"Consonance <{PRACTICE}>"
    settings.CONSONANCE_STAFF_EMAIL = PRACTICE
    mail_queue(
        to=PRACTICE,
        template="coach_booking",
        context={"event": "paid", "first_name": "Åsa", "service_name": "Mejlkonsultation"},
    )
    imap_server.deliver(mail.outbox[-1].message().as_bytes())
    assert ingest.ingest_once().own == 1
    assert imap_server.count("INBOX") == 0
    settings.CONSONANCE_IMAP_USER = PRACTICE  # the README's default: the practice's mailbox
    coach_signs_in(site, site.base, staff_user)
    assert "Meddelande" not in site.inner_text("main")  # nothing from herself to answer
    go(site, "/staff/mail/")
    shows(site, "Dina aviseringar")
    settings.CONSONANCE_STAFF_EMAIL = "asa.privat@example.se"
    site.reload()
    assert "Dina aviseringar" not in site.inner_text("main")


def test_the_coach_edits_deletes_and_sends_a_draft_only_after_confirming(site, staff_user):
    subscriber("astrid@example.se")
    draft = campaign_create(subject_sv="Vår", body_sv="Hej **alla**", actor="staff:1")
    spare = campaign_create(subject_sv="Gammalt utkast", body_sv="Bort", actor="staff:1")
    coach_signs_in(site, site.base, staff_user)
    go(site, f"/staff/newsletter/{spare.pk}/")
    site.get_by_role("link", name="Radera utkastet…").click()
    shows(site, "Radera utkastet?")
    site.get_by_role("button", name="Ja, radera utkastet").click()
    shows(site, "Utkastet är raderat.")
    assert not Campaign.objects.filter(pk=spare.pk).exists()
    go(site, f"/staff/newsletter/{draft.pk}/")
    site.get_by_label("Ämnesrad (svenska)").fill("Vårbrev")
    site.get_by_label("Text på svenska (Markdown)").fill("# Våren\n\nHej *alla*!")
    site.get_by_role("button", name="Förhandsgranska").click()
    expect(site.locator(".preview em")).to_have_text("alla")
    site.get_by_role("button", name="Spara utkast").click()
    shows(site, "Utkastet är sparat.")
    site.get_by_role("link", name="Skicka till 1 prenumerant…").click()
    shows(site, "Skicka nyhetsbrevet?")
    site.get_by_role("link", name="Nej, inte än").click()
    assert not Delivery.objects.exists()
    site.get_by_role("link", name="Skicka till 1 prenumerant…").click()
    site.get_by_role("button", name="Ja, skicka till 1 prenumerant nu").click()
    shows(site, "Nyhetsbrevet skickas nu.")
    draft.refresh_from_db()
    assert draft.subject_sv == "Vårbrev" and Delivery.objects.filter(campaign=draft).count() == 1
