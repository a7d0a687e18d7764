"""The coach's retention dashboard at /staff/privacy/."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from consonance.audit.models import Event
from consonance.people.models import Person
from consonance.privacy.models import LegalHold, RetentionAgreement
from consonance.privacy.retention import retention_run
from tests import retention_data as data

pytestmark = pytest.mark.django_db

URL = "/staff/privacy/"


def test_the_dashboard_needs_a_signed_in_coach(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/staff/login/" in response["Location"]


def test_the_dashboard_shows_the_rules_what_was_done_and_what_comes(staff_client):
    now = timezone.now()
    old = data.person("old", last_contact=now - dt.timedelta(days=800))
    data.person("soon", last_contact=now - dt.timedelta(days=720))
    retention_run(now=now)
    assert not Person.objects.filter(pk=old.pk).exists()
    response = staff_client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Lagring och gallring" in page
    assert "P10" not in page and "P14" not in page  # promise ids are not for her pages
    assert "Kontaktuppgifter" in page
    history = response.context["history"]
    assert [(h["rule_id"], h["deleted"]) for h in history] == [("contact-details-2y", 1)]
    forecast = response.context["forecast_days"]
    assert sum(e["count"] for d in forecast for e in d["entries"]) == 1
    assert 'style="' not in page and "<script" not in page


def test_the_dashboard_has_an_english_translation(rf, staff_user):
    # /staff/ has no language prefix, so the site serves it in Swedish (the default language);
    # the English texts are there for when it is served in English.
    from django.utils import translation

    from consonance.privacy.staff_views import dashboard

    request = rf.get(URL)
    request.user = staff_user
    with translation.override("en"):
        request.LANGUAGE_CODE = "en"
        page = dashboard(request).content.decode()
    assert "Retention and deletion" in page and "Agreements with clients" in page
    assert "Lagring och gallring" not in page


def test_an_agreement_made_through_the_dashboard_stops_the_deletion(staff_client):
    now = timezone.now()
    eva = data.person("eva", last_contact=now - dt.timedelta(days=800))
    until = timezone.localdate() + dt.timedelta(days=365)
    response = staff_client.post(
        URL + "agreements/",
        {
            "email": "  EVA@Example.se ",
            "rule": "contact-details-2y",
            "until": until.isoformat(),
            "reason": "Hon vill att vi sparar hennes uppgifter inför nästa år.",
        },
    )
    assert response.status_code == 302
    agreement = RetentionAgreement.objects.get()
    assert (agreement.person_id, agreement.rule_id, agreement.until) == (
        eva.pk,
        "contact-details-2y",
        until,
    )
    assert Event.objects.filter(action="retention_agreement.created", subject_id=eva.pk).exists()
    followed = staff_client.get(URL)
    assert "Överenskommelsen är sparad." in followed.content.decode()
    assert "eva@example.se" in followed.content.decode()

    report = retention_run(now=now)
    contact = next(r for r in report.rules if r.id == "contact-details-2y")
    people = next(m for m in contact.models if m.model == "people.Person")
    assert people.skipped_by_agreement == 1
    assert Person.objects.filter(pk=eva.pk).exists()

    # Ending it lets the rule apply again.
    response = staff_client.post(f"{URL}agreements/{agreement.pk}/end/")
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.ended_at is not None
    retention_run(now=now)
    assert not Person.objects.filter(pk=eva.pk).exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "nobody@example.se", "Det finns ingen klient med den e-postadressen."),
        ("until", "2001-01-01", "Slutdatumet måste ligga i framtiden."),
        ("rule", "orders-2y", "Välj ett giltigt alternativ."),
        ("reason", "", "Detta fält måste fyllas i."),
    ],
)
def test_a_bad_agreement_re_renders_the_form_with_messages(staff_client, field, value, message):
    data.person("eva", last_contact=timezone.now())
    posted = {
        "email": "eva@example.se",
        "rule": "journal-2y",
        "until": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
        "reason": "Överenskommet",
        field: value,
    }
    response = staff_client.post(URL + "agreements/", posted)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert "Överenskommelsen sparades inte." in page
    assert not RetentionAgreement.objects.exists()


def test_a_legal_hold_placed_on_the_dashboard_stops_the_deletion_until_it_is_lifted(
    staff_client,
):
    now = timezone.now()
    eva = data.person("eva", last_contact=now - dt.timedelta(days=800))
    response = staff_client.post(
        URL + "holds/",
        {"hold-email": " EVA@example.se", "hold-category": "", "hold-reason": "Tvist om faktura."},
    )
    assert response.status_code == 302 and response["Location"].endswith("#sparrar")
    hold = LegalHold.objects.get()
    assert (hold.person_id, hold.category, hold.until, hold.reason) == (
        eva.pk,
        "",
        None,
        "Tvist om faktura.",
    )
    created = Event.objects.get(action="legal_hold.created")
    assert created.subject_id == eva.pk and created.actor.startswith("staff:")
    page = staff_client.get(URL).content.decode()
    assert "Spärren är sparad." in page and "Tvist om faktura." in page
    assert "tills du häver den" in page and "Alla uppgifter" in page

    retention_run(now=now)
    assert Person.objects.filter(pk=eva.pk).exists()

    response = staff_client.post(f"{URL}holds/{hold.pk}/lift/")
    assert response.status_code == 302
    hold.refresh_from_db()
    assert hold.lifted_at is not None
    assert Event.objects.filter(action="legal_hold.lifted", subject_id=eva.pk).exists()
    assert "Spärren är hävd." in staff_client.get(URL).content.decode()
    retention_run(now=now)
    assert not Person.objects.filter(pk=eva.pk).exists()
    # Lifting twice (an old tab) is a calm 404, never a 500.
    assert staff_client.post(f"{URL}holds/{hold.pk}/lift/").status_code == 404


def test_a_hold_on_a_whole_category_names_it_in_words(staff_client):
    until = timezone.localdate() + dt.timedelta(days=90)
    posted = {
        "hold-email": "",
        "hold-category": "journal",
        "hold-until": until.isoformat(),
        "hold-reason": "Begäran från IVO.",
    }
    assert staff_client.post(URL + "holds/", posted).status_code == 302
    hold = LegalHold.objects.get()
    assert (hold.person_id, hold.category, hold.until) == (None, "journal", until)
    page = staff_client.get(URL).content.decode()
    assert "Alla klienter" in page and "Journalanteckningar" in page
    assert ">journal<" not in page


@pytest.mark.parametrize(
    ("posted", "message"),
    [
        ({"hold-email": "nobody@example.se"}, "Det finns ingen klient med den e-postadressen."),
        ({"hold-email": "", "hold-category": ""}, "En spärr gäller en klient"),
        ({"hold-until": "2001-01-01"}, "Slutdatumet kan inte ligga bakåt i tiden."),
        ({"hold-reason": "   "}, "Detta fält måste fyllas i."),
        ({"hold-category": "nonsense"}, "Välj ett giltigt alternativ."),
    ],
)
def test_a_bad_hold_re_renders_the_form_and_saves_nothing(staff_client, posted, message):
    data.person("eva", last_contact=timezone.now())
    form = {"hold-email": "eva@example.se", "hold-category": "", "hold-reason": "Tvist", **posted}
    response = staff_client.post(URL + "holds/", form)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page and "Spärren sparades inte." in page
    assert not LegalHold.objects.exists()
