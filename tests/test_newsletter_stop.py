"""The newsletter stops (issue 20, part 3; P12): a staff action with a confirmation, a last
notice to each confirmed subscriber, sign-up closed, sending refused, and the policy's clock
running from the stop."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from consonance.audit.models import Event
from consonance.audit.services import SYSTEM
from consonance.newsletter.campaigns import campaign_create
from consonance.newsletter.models import Subscription
from consonance.newsletter.services import (
    newsletter_stop,
    subscription_create,
    subscription_unsubscribe,
)
from consonance.people.services import person_get_or_create
from tests.factories import subscriber

pytestmark = pytest.mark.django_db
STOP = dt.datetime(2026, 3, 19, 10, tzinfo=dt.UTC)


def _people():
    anna = subscriber("anna@example.se")
    bo = subscriber("bo@example.se", first="Bo", language="en")
    gone = subscriber("gone@example.se")
    subscription_unsubscribe(person=gone, actor=SYSTEM)
    pending, _ = person_get_or_create(
        email="pending@example.se", first_name="P", last_name="Q", actor=SYSTEM
    )
    subscription_create(person=pending, consent_given_at=timezone.now(), actor=SYSTEM)
    person_get_or_create(email="client@example.se", first_name="C", last_name="D", actor=SYSTEM)
    return anna, bo


@time_machine.travel(STOP, tick=False)
def test_the_coach_confirms_and_each_confirmed_subscriber_is_told_once_in_her_language(
    staff_client,
    smtp_server,
    django_capture_on_commit_callbacks,
):
    _people()
    page = staff_client.get("/staff/newsletter/stop/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "2 bekräftade prenumeranter får ett sista mejl" in text
    assert "1 anmälan som inte är bekräftad" in text
    assert "19 mars 2028" in text
    assert not smtp_server.messages and Subscription.objects.filter(stopped_at=None).count() == 4

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post("/staff/newsletter/stop/")
    assert response.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post("/staff/newsletter/stop/")  # a second click tells no one again

    by_to = {str(m["To"]): m for m in smtp_server.messages}
    assert sorted(by_to) == ["anna@example.se", "bo@example.se"]
    assert len(smtp_server.messages) == 2
    sv = by_to["anna@example.se"]
    assert sv["Subject"] == "Nyhetsbrevet upphör"
    assert "raderas den 19 mars 2028" in sv.get_body(("plain",)).get_content()
    en = by_to["bo@example.se"]
    assert en["Subject"] == "The newsletter is ending"
    assert "deleted on 19 March 2028" in en.get_body(("plain",)).get_content()
    assert Event.objects.filter(action="newsletter.stopped").count() == 1
    index = staff_client.get("/staff/newsletter/").content.decode()
    assert "Nyhetsbrevet upphörde den 19 mars 2026" in index


def test_the_stop_page_changes_nothing_on_get_and_refuses_other_methods(staff_client):
    _people()
    staff_client.get("/staff/newsletter/stop/")
    assert staff_client.put("/staff/newsletter/stop/").status_code == 405
    assert not Event.objects.filter(action="newsletter.stopped").exists()
    assert staff_client.get("/staff/newsletter/restart/").status_code == 405


def test_sign_up_closes_in_both_languages_and_takes_nothing(client, staff_client, mailoutbox):
    newsletter_stop(actor=SYSTEM)
    sv = client.get("/nyhetsbrev/")
    assert "det går inte att anmäla sig" in sv.content.decode()
    assert "<form" not in sv.content.decode().split("<main")[-1].split("</main>")[0]
    en = client.get("/en/newsletter/")
    assert "so you cannot sign up" in en.content.decode()
    form = {"first_name": "V", "last_name": "E", "email": "v@example.se", "consent": "on"}
    client.post("/nyhetsbrev/", form)
    assert not mailoutbox and not Subscription.objects.exists()


def test_sending_is_refused_until_the_coach_restarts_it(
    staff_client, django_capture_on_commit_callbacks
):
    campaign = campaign_create(subject_sv="Vår", body_sv="Hej", actor=SYSTEM)
    newsletter_stop(actor=SYSTEM)
    response = staff_client.post(
        f"/staff/newsletter/{campaign.pk}/start/", {"confirmed": "1"}, follow=True
    )
    assert "Nyhetsbrevet har upphört" in response.content.decode()
    campaign.refresh_from_db()
    assert campaign.state == "draft"
    staff_client.post("/staff/newsletter/restart/")
    assert "Prenumerera" in staff_client.get("/nyhetsbrev/").content.decode()
    staff_client.post(f"/staff/newsletter/{campaign.pk}/start/", {"confirmed": "1"})
    campaign.refresh_from_db()
    assert campaign.state != "draft"


def test_the_retention_run_after_the_date_deletes_the_subscriptions(capsys):
    with time_machine.travel(STOP, tick=False):
        _people()
    with time_machine.travel(STOP + dt.timedelta(days=30), tick=False):
        newsletter_stop(actor=SYSTEM)

    def deleted(now: str) -> int:
        call_command("retention", "run", "--dry-run", "--now", now, "--json")
        rules = json.loads(capsys.readouterr().out)["rules"]
        return {r["id"]: r["deleted"] for r in rules}["newsletter-stopped-2y"]

    assert deleted("2028-04-17") == 0
    assert (
        deleted("2028-04-19") == 3
    )  # those the stop ended; the unsubscribed one has its own clock
    assert Subscription.objects.count() == 4  # a dry run deletes nothing
    call_command("retention", "run", "--now", "2028-04-19")
    assert not Subscription.objects.exists()
