"""Newsletter drafts (issue 17): the coach edits and deletes a draft, "Skicka till N
prenumeranter" asks first on a page of its own (no script), a sent one cannot be changed, and
the plain-text part is the Markdown rendered clean."""

from __future__ import annotations

import pytest

from consonance.audit.models import Event
from consonance.audit.services import SYSTEM
from consonance.newsletter.campaigns import campaign_create
from consonance.newsletter.models import Campaign, Delivery
from consonance.newsletter.render import edition
from tests.factories import subscriber

pytestmark = pytest.mark.django_db

MARKDOWN = """# Våren är här

Det här är **viktigt**, och här finns [mer om sömn](https://example.se/somn).

## Tre tips

- Sov *åtta* timmar
- Drick vatten

1. ett
2. två
"""


def draft() -> Campaign:
    return campaign_create(subject_sv="Vår", body_sv="Hej **alla**", actor=SYSTEM)


def test_the_coach_edits_a_draft_and_previews_it_first(staff_client):
    campaign = draft()
    url = f"/staff/newsletter/{campaign.pk}/"
    page = staff_client.get(url).content.decode()
    assert "Redigera utkastet" in page and "Hej **alla**" in page
    new = {"subject_sv": "Vårbrev", "body_sv": "Hej *alla*!", "subject_en": "", "body_en": ""}
    preview = staff_client.post(url, {**new, "action": "preview"}).content.decode()
    assert "<em>alla</em>" in preview
    campaign.refresh_from_db()
    assert campaign.body_sv == "Hej **alla**"  # a preview changes nothing
    response = staff_client.post(url, {**new, "action": "save"}, follow=True)
    assert "Utkastet är sparat." in response.content.decode()
    campaign.refresh_from_db()
    assert (campaign.subject_sv, campaign.body_sv) == ("Vårbrev", "Hej *alla*!")
    assert Event.objects.filter(action="newsletter.campaign_updated").exists()
    bad = staff_client.post(url, {**new, "subject_sv": "", "action": "save"}).content.decode()
    assert "En text behöver en ämnesrad." in bad


def test_the_coach_deletes_a_draft_after_a_page_that_asks(staff_client):
    campaign = draft()
    page = staff_client.get(f"/staff/newsletter/{campaign.pk}/delete/").content.decode()
    assert "Radera utkastet?" in page and "Ja, radera utkastet" in page
    assert Campaign.objects.filter(pk=campaign.pk).exists()  # asking deletes nothing
    response = staff_client.post(f"/staff/newsletter/{campaign.pk}/delete/", follow=True)
    assert "Utkastet är raderat." in response.content.decode()
    assert not Campaign.objects.filter(pk=campaign.pk).exists()
    assert Event.objects.filter(action="newsletter.campaign_deleted").exists()


def test_sending_to_everyone_asks_first_and_only_then_sends(staff_client):
    subscriber("astrid@example.se")
    subscriber("bo@example.se", first="Bo")
    campaign = draft()
    detail = staff_client.get(f"/staff/newsletter/{campaign.pk}/").content.decode()
    assert "Skicka till 2 prenumeranter…" in detail
    # The old one-click form (or a stale tab) posts without the confirmation: nothing goes.
    response = staff_client.post(f"/staff/newsletter/{campaign.pk}/start/")
    assert response.url == f"/staff/newsletter/{campaign.pk}/send/"
    assert not Delivery.objects.exists()
    page = staff_client.get(response.url).content.decode()
    assert "Skicka nyhetsbrevet?" in page and "Ja, skicka till 2 prenumeranter nu" in page
    staff_client.post(f"/staff/newsletter/{campaign.pk}/start/", {"confirmed": "1"})
    assert Delivery.objects.filter(campaign=campaign).count() == 2


def test_a_sent_newsletter_can_be_neither_edited_nor_deleted(staff_client):
    campaign = draft()
    Campaign.objects.filter(pk=campaign.pk).update(state=Campaign.State.SENT)
    url = f"/staff/newsletter/{campaign.pk}/"
    assert "Redigera utkastet" not in staff_client.get(url).content.decode()
    staff_client.post(url, {"subject_sv": "Ändrat", "body_sv": "x", "action": "save"})
    staff_client.post(f"{url}delete/")
    campaign.refresh_from_db()
    assert campaign.subject_sv == "Vår"


def test_the_text_part_is_the_markdown_rendered_clean():
    campaign = campaign_create(subject_sv="Vår", body_sv=MARKDOWN, actor=SYSTEM)
    text = edition(campaign, "sv").text
    for raw in ("**", "# ", "](", "[mer", "*åtta*"):
        assert raw not in text
    assert "Våren är här\n============" in text
    assert "mer om sömn (https://example.se/somn)" in text
    assert "• Sov åtta timmar\n• Drick vatten" in text and "1. ett\n2. två" in text
    assert "%%UNSUBSCRIBE_URL%%" in text  # her own link goes in per copy
