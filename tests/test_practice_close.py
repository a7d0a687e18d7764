"""The practice closes (issue 20, part 4): `consonance practice close`, what it closes, and the day."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone

from consonance.audit.services import SYSTEM
from consonance.booking.models import Booking
from consonance.bookkeeping.models import Voucher
from consonance.mail.models import OutboxMessage
from consonance.mail.sending import mail_send
from consonance.newsletter.models import Subscription
from consonance.people.models import MemberProfile, Person
from consonance.people.services import person_get_or_create
from consonance.privacy.models import PracticeClosure
from consonance.web.tasks import practice_closure_task
from tests.factories import NOW, confirmed_booking, make_practice, paid_order, subscriber

pytestmark = pytest.mark.django_db

CLOSES_ON = (NOW + dt.timedelta(days=30)).date()
MEMBER = "maja@example.se"
SUBSCRIBER = "sven@example.se"


def _run(*args: str) -> str:
    out = StringIO()
    call_command("practice", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def practice_with_people(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.SELLER_ORGANISATION_NUMBER = "556677-8899"
    with time_machine.travel(NOW, tick=False):
        video, _ = make_practice()
        member, _ = person_get_or_create(
            email=MEMBER, first_name="Maja", last_name="Berg", actor=SYSTEM
        )
        MemberProfile.objects.create(person=member)
        paid_order(person=member, payer_name="Maja Berg")
        subscriber(SUBSCRIBER, first="Sven", last="Ås")
        later = confirmed_booking(
            video, NOW + dt.timedelta(days=40), email="lisa@example.se", first="Lisa"
        )
        sooner = confirmed_booking(
            video, NOW + dt.timedelta(days=3), email="olle@example.se", first="Olle"
        )
        yield later, sooner


def test_the_dry_run_lists_every_action_with_counts_and_dates(practice_with_people, tmp_path):
    with time_machine.travel(NOW, tick=False):
        plan = json.loads(_run("close", "--on", CLOSES_ON.isoformat(), "--dry-run", "--json"))
    assert plan["notices"] == {"members": 1, "subscribers": 1, "told_on": NOW.date().isoformat()}
    assert plan["bookings"]["cancelled"] == 1 and plan["bookings"]["refunds"] == 1
    assert Decimal(plan["bookings"]["refund_total"]) == Decimal("900.00")
    assert plan["signups_closed"]["booking"] and plan["signups_closed"]["newsletter"]
    assert plan["deletions"]["on"] == CLOSES_ON.isoformat() and plan["deletions"]["people"] == 2
    assert "bookkeeping" in {r["category"] for r in plan["deletions"]["own_clock"]}
    year = plan["archive"]["years"][0]
    assert year["vouchers"] >= 1 and year["kept_until"].startswith(str(NOW.year + 7))
    assert plan["archive"]["folder"] == str(tmp_path / "archive")
    # Nothing happened.
    assert not PracticeClosure.objects.exists() and not OutboxMessage.objects.exists()
    assert Booking.objects.filter(state=Booking.State.CONFIRMED).count() == 2


def test_closing_tells_people_closes_doors_and_cancels_later_sessions(
    practice_with_people, client, django_capture_on_commit_callbacks
):
    later, sooner = practice_with_people
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=False):
        _run("close", "--on", CLOSES_ON.isoformat())
    told = {m.recipient for m in OutboxMessage.objects.filter(template="practice_closing")}
    assert told == {MEMBER, SUBSCRIBER}
    later.refresh_from_db()
    sooner.refresh_from_db()
    assert later.state == Booking.State.CANCELLED and sooner.state == Booking.State.CONFIRMED
    assert later.order.refunds.exists()
    day = CLOSES_ON.strftime("%-d")
    for url in ("/boka/", "/nyhetsbrev/"):
        page = client.get(url)
        assert page.status_code == 410 and "Jag stänger min praktik den " + day in page.text
    assert "stänger min praktik" in client.get("/").text
    english = client.get("/en/newsletter/")
    assert english.status_code == 410 and "I am closing my practice" in english.text
    with pytest.raises(CommandError, match="already closing"):
        _run("close", "--on", CLOSES_ON.isoformat())


def test_reopening_before_the_date_opens_the_doors_again(practice_with_people, client):
    with time_machine.travel(NOW, tick=False):
        _run("close", "--on", CLOSES_ON.isoformat())
        sent = OutboxMessage.objects.filter(template="practice_closing").count()
        assert "open again" in _run("reopen")
        assert client.get("/boka/").status_code == 200
        assert client.get("/nyhetsbrev/").status_code == 200
        assert "stänger min praktik" not in client.get("/").text
    assert OutboxMessage.objects.filter(template="practice_closing").count() == sent
    with pytest.raises(CommandError, match="not closing"):
        _run("reopen")


def test_bad_dates_are_refused_with_one_line():
    with pytest.raises(CommandError, match="expected a date"):
        _run("close", "--on", "imorgon")
    with pytest.raises(CommandError, match="has passed"):
        _run("close", "--on", "2000-01-01")


def test_on_the_date_only_the_bookkeeping_and_the_erasure_ledger_remain(
    practice_with_people, tmp_path, django_capture_on_commit_callbacks
):
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        _run("close", "--on", CLOSES_ON.isoformat())
    vouchers = Voucher.objects.count()
    after = dt.datetime.combine(CLOSES_ON, dt.time(12), tzinfo=NOW.tzinfo)
    with time_machine.travel(after, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert practice_closure_task.call() == 2
        call_command("retention", "run", stdout=StringIO())
        for message in OutboxMessage.objects.all():
            mail_send(message.pk)
    assert not MemberProfile.objects.exists() and not Subscription.objects.exists()
    assert not Person.objects.filter(email__in=[MEMBER, SUBSCRIBER]).exists()
    assert Voucher.objects.count() == vouchers
    archive = tmp_path / "archive"
    assert (archive / f"sie-{NOW.year}.se").read_bytes().startswith(b"#FLAGGA")
    assert "Maja Berg" in (archive / f"documents-{NOW.year}.json").read_text()
    for address in (MEMBER, SUBSCRIBER):
        out = StringIO()
        call_command("rights", "verify-erasure", "--email", address, "--deep", stdout=out)
        assert "No residue" in out.getvalue()


def test_the_dry_run_on_the_demo_lists_notices_refunds_deletions_and_the_archive(settings):
    settings.DEBUG = True
    call_command("demo", stdout=StringIO())
    on = (timezone.localdate() + dt.timedelta(days=60)).isoformat()
    plan = json.loads(_run("close", "--on", on, "--dry-run", "--json"))
    assert plan["notices"]["members"] >= 1 and plan["notices"]["subscribers"] >= 1
    assert {"cancelled", "refunds", "refund_total"} <= set(plan["bookings"])
    assert plan["deletions"]["on"] == on and plan["deletions"]["people"] >= 2
    assert plan["archive"]["years"] and plan["archive"]["years"][0]["vouchers"] >= 1
    assert not PracticeClosure.objects.exists()


def test_the_coach_closes_on_her_page_after_seeing_what_happens_and_reopens(
    practice_with_people, staff_client, client
):
    day = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    assert "Stänga praktiken" in staff_client.get("/staff/web/pages/").content.decode()

    shown = staff_client.post("/staff/web/closure/", {"closes_on": day})
    text = shown.content.decode()
    assert shown.status_code == 200 and "Inget har hänt än" in text
    assert "1 medlem besked" in text and "Ja, stäng praktiken" in text
    assert not PracticeClosure.objects.exists()  # seeing the plan changes nothing

    done = staff_client.post("/staff/web/closure/", {"closes_on": day, "confirm": "1"})
    assert done.status_code == 302
    assert PracticeClosure.objects.get(reopened_at=None).closes_on.isoformat() == day
    assert client.get("/boka/").status_code == 410
    assert "Öppna praktiken igen" in staff_client.get("/staff/web/closure/").content.decode()

    staff_client.post("/staff/web/closure/undo/")
    assert client.get("/boka/").status_code == 200


def test_a_past_date_on_her_page_is_refused_with_a_message(staff_client):
    past = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    response = staff_client.post("/staff/web/closure/", {"closes_on": past})
    assert response.status_code == 200
    assert "Dagen har redan varit." in response.content.decode()
    assert not PracticeClosure.objects.exists()


def test_without_an_organisation_number_the_dry_run_says_so_and_closing_is_refused(
    practice_with_people, settings, staff_client
):
    settings.SELLER_ORGANISATION_NUMBER = ""
    plan = json.loads(_run("close", "--on", CLOSES_ON.isoformat(), "--dry-run", "--json"))
    assert "CONSONANCE_ORGANISATION_NUMBER" in plan["archive"]["problem"]
    with pytest.raises(CommandError, match="CONSONANCE_ORGANISATION_NUMBER"):
        _run("close", "--on", CLOSES_ON.isoformat())
    page = staff_client.post("/staff/web/closure/", {"closes_on": CLOSES_ON.isoformat()})
    assert "organisationsnummer" in page.content.decode()
    assert "Ja, stäng praktiken" not in page.content.decode()
    assert not PracticeClosure.objects.exists()
