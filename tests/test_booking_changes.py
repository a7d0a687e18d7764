"""The coach moves, cancels, creates and marks bookings; clients reschedule; reminders go out."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core import mail

from consonance.audit.models import Event as AuditEvent
from consonance.booking.changes import booking_send_payment_reminders, booking_send_reminders
from consonance.booking.models import Booking
from consonance.booking.services import booking_expire_holds
from consonance.booking.tokens import booking_token
from consonance.lib.bankdays import add_bank_days, is_bank_day
from consonance.payments.models import Order, Refund
from tests.factories import (
    STAFF_EMAIL,
    book_by_bankgiro,
    confirmed_booking,
    sent_to,
    staff_mail,
)

pytestmark = pytest.mark.django_db

TODAY_14 = datetime(2026, 3, 16, 13, 0, tzinfo=UTC)  # in five hours: inside the 24-hour rule
TUESDAY_10 = datetime(2026, 3, 17, 9, 0, tzinfo=UTC)  # 10:00 in Stockholm
THURSDAY_10 = datetime(2026, 3, 19, 9, 0, tzinfo=UTC)


@pytest.fixture
def coach(settings, practice):
    settings.CONSONANCE_STAFF_EMAIL = STAFF_EMAIL
    return practice


def test_the_coach_moves_a_booking_and_the_client_gets_the_new_time(
    staff_client, coach, run_after_commit
):
    video, _ = coach
    booking = confirmed_booking(video, THURSDAY_10)
    other = confirmed_booking(video, TUESDAY_10, first="Britta", email="britta@example.se")
    url = f"/staff/booking/{booking.pk}/move/"
    # Onto another session: refused, nothing changes, the form says why.
    response = staff_client.post(url, {"day": "2026-03-17", "time": "10:30"})
    assert response.status_code == 400 and "krockar" in response.content.decode()
    assert staff_client.post(url, {"day": "2026-03-17", "time": ""}).status_code == 400
    # Outside the opening hours is fine for the coach (agreed with the client), once she has
    # confirmed it: first the form asks, nothing is moved or sent.
    asked = staff_client.post(url, {"day": "2026-03-20", "time": "18:00"}).content.decode()
    assert "utanför dina öppettider" in asked and not sent_to("astrid@example.se")
    response = run_after_commit(
        lambda: staff_client.post(
            url, {"day": "2026-03-20", "time": "18:00", "confirm": "2026-03-20T18:00"}
        )
    )
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.starts_at == datetime(2026, 3, 20, 17, 0, tzinfo=UTC)
    assert booking.ends_at == booking.starts_at + timedelta(minutes=50)
    [message] = sent_to("astrid@example.se")
    assert "fredag 20 mars 2026 18:00" in message.body
    assert message.attachments and "DTSTART:20260320T170000Z" in str(message.attachments[0][1])
    assert staff_mail()[-1].subject.startswith("Ny tid: Astrid")
    assert AuditEvent.objects.filter(action="booking.moved", subject_id=booking.person_id).exists()
    other.refresh_from_db()
    assert other.starts_at == TUESDAY_10


def test_the_coach_cancels_by_the_rule_or_in_full(staff_client, coach, run_after_commit):
    video, _ = coach
    late = confirmed_booking(video, TODAY_14, method=Order.Method.BANKGIRO)  # the rule gives 0 %
    page = staff_client.get(f"/staff/booking/{late.pk}/").content.decode()
    assert "betalas 0,00 kr tillbaka" in page
    response = run_after_commit(
        lambda: staff_client.post(
            f"/staff/booking/{late.pk}/cancel/", {"refund": "full"}, follow=True
        )
    )
    assert "900,00 kr betalas tillbaka" in response.content.decode()
    late.refresh_from_db()
    assert late.state == Booking.State.CANCELLED
    refund = Refund.objects.get(order=late.order)
    assert refund.amount == Decimal("900.00") and refund.status == Refund.Status.MANUAL
    assert staff_mail()[-1].subject.startswith("Avbokning: Astrid")

    by_rule = confirmed_booking(video, TODAY_14 + timedelta(hours=2), email="b@example.se")
    run_after_commit(
        lambda: staff_client.post(f"/staff/booking/{by_rule.pk}/cancel/", {"refund": "rule"})
    )
    by_rule.refresh_from_db()
    assert by_rule.state == Booking.State.CANCELLED
    assert not Refund.objects.filter(order=by_rule.order).exists()
    # Twice: a clear message, no second refund.
    response = staff_client.post(
        f"/staff/booking/{late.pk}/cancel/", {"refund": "full"}, follow=True
    )
    assert "kan inte avbokas" in response.content.decode()
    assert Refund.objects.filter(order=late.order).count() == 1


def test_a_no_show_is_marked_only_after_the_start(staff_client, coach):
    video, _ = coach
    booking = confirmed_booking(video, TUESDAY_10)
    response = staff_client.post(f"/staff/booking/{booking.pk}/no-show/", follow=True)
    assert "Bara en bekräftad session som har börjat" in response.content.decode()
    with time_machine.travel(TUESDAY_10 + timedelta(minutes=20), tick=False):
        staff_client.post(f"/staff/booking/{booking.pk}/no-show/")
    booking.refresh_from_db()
    assert booking.state == Booking.State.NO_SHOW
    assert AuditEvent.objects.filter(action="booking.no_show").exists()


def test_the_coach_sets_a_video_link_and_the_client_gets_it(staff_client, coach, run_after_commit):
    video, _ = coach
    booking = confirmed_booking(video, THURSDAY_10)
    url = f"/staff/booking/{booking.pk}/video-link/"
    response = staff_client.post(url, {"join_url": "http://insecure.example/x"})
    assert response.status_code == 400 and "https://" in response.content.decode()
    run_after_commit(lambda: staff_client.post(url, {"join_url": "https://meet.example/abc"}))
    booking.refresh_from_db()
    assert booking.join_url == "https://meet.example/abc"
    [message] = sent_to("astrid@example.se")
    assert "https://meet.example/abc" in message.body and "torsdag 19 mars 2026" in message.body


def test_the_coach_books_a_client_by_phone_with_or_without_an_invoice(
    staff_client, coach, run_after_commit
):
    video, _ = coach
    data = {
        "service": video.pk,
        "day": "2026-03-18",
        "time": "19:00",
        "first_name": "Greta",
        "last_name": "Holm",
        "email": "greta@example.se",
        "language": "sv",
        "payment": "none",
    }
    # 19:00 is after her hours: the form asks her first.
    asked = staff_client.post("/staff/booking/new/", data).content.decode()
    assert "utanför dina öppettider" in asked and "Ja, boka ändå" in asked
    assert not Booking.objects.exists()
    data["confirm"] = "2026-03-18T19:00"
    response = run_after_commit(lambda: staff_client.post("/staff/booking/new/", data))
    assert response.status_code == 302
    booking = Booking.objects.get(person__email="greta@example.se")
    assert booking.state == Booking.State.CONFIRMED and booking.order is None
    [confirmation] = sent_to("greta@example.se")
    assert "https://video.example/rum" in confirmation.body  # the fixed link
    assert "onsdag 18 mars 2026 19:00" in confirmation.body
    # The same time again: refused with a reason, nothing created.
    data |= {"email": "hanna@example.se", "first_name": "Hanna"}
    response = staff_client.post("/staff/booking/new/", data)
    assert response.status_code == 400 and "krockar" in response.content.decode()
    # With an invoice: the time is held and the client gets the Bankgiro instructions.
    data |= {"time": "08:00", "payment": "invoice", "confirm": "2026-03-18T08:00"}
    run_after_commit(lambda: staff_client.post("/staff/booking/new/", data))
    held = Booking.objects.get(person__email="hanna@example.se")
    assert held.state == Booking.State.HELD and held.order.method == Order.Method.BANKGIRO
    [invoice] = sent_to("hanna@example.se")
    assert "OCR-nummer" in invoice.body and "900,00 kr" in invoice.body
    # A video session without a time: the form says so.
    response = staff_client.post("/staff/booking/new/", data | {"day": "", "time": ""})
    assert response.status_code == 400 and "behöver ett datum" in response.content.decode()


def test_a_client_moves_her_session_from_the_link_within_the_rule(client, coach, run_after_commit):
    video, _ = coach
    booking = confirmed_booking(video, THURSDAY_10)
    url = f"/boka/flytta/{booking_token(booking, 'move')}/"
    page = client.get(url).content.decode()
    assert "Du kan byta tid fram till 18 mars 2026 10:00" in page
    starts = re.findall(r'name="start" value="(\d{8}T\d{4}Z)"', page)
    assert starts and "20260319T0900Z" not in starts  # her own time is not offered
    response = run_after_commit(lambda: client.post(url, {"start": starts[-1]}))
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.starts_at.strftime("%Y%m%dT%H%MZ") == starts[-1]
    assert sent_to("astrid@example.se") and staff_mail()
    # A time that is not free (meanwhile booked by someone else): a message, no change.
    taken = datetime.strptime(starts[0], "%Y%m%dT%H%MZ").replace(tzinfo=UTC)
    confirmed_booking(video, taken, email="other@example.se")
    response = client.post(url, {"start": starts[0]}, follow=True)
    assert "hann bokas" in response.content.decode()
    assert client.post(url, {"start": "20260316T0700Z"}).status_code == 302  # in the past
    assert client.post(url, {"start": "garbage"}).status_code == 404
    # After the rule's deadline: no slots, a way forward instead.
    with time_machine.travel(booking.starts_at - timedelta(hours=3), tick=False):
        page = client.get(url).content.decode()
        assert 'name="start"' not in page and "Skriv till mig" in page
        before = booking.starts_at
        client.post(url, {"start": starts[1]})
        booking.refresh_from_db()
        assert booking.starts_at == before
    assert client.get("/boka/flytta/forged/").status_code == 404


def test_a_reminder_goes_once_with_the_video_link_and_a_way_to_move(
    coach, settings, run_after_commit
):
    video, _ = coach
    confirmed_booking(video, TODAY_14, join_url="https://video.example/rum")
    far = confirmed_booking(video, THURSDAY_10, email="b@example.se")
    assert run_after_commit(lambda: booking_send_reminders()) == 1
    [reminder] = sent_to("astrid@example.se")
    assert "Påminnelse" in reminder.subject and "https://video.example/rum" in reminder.body
    # Five hours before, the rule no longer lets her move it herself: only cancelling is offered.
    assert "/boka/flytta/" not in reminder.body and "/boka/avboka/" in reminder.body
    assert booking_send_reminders() == 0  # once
    settings.REMINDER_HOURS = 0
    with time_machine.travel(far.starts_at - timedelta(hours=2), tick=False):
        assert booking_send_reminders() == 0


def test_swedish_bank_days_skip_weekends_and_holidays():
    assert not is_bank_day(date(2026, 4, 3))  # Good Friday
    assert not is_bank_day(date(2026, 6, 19))  # Midsummer Eve
    assert add_bank_days(date(2026, 4, 2), 1) == date(2026, 4, 7)  # over Easter
    assert add_bank_days(date(2026, 3, 20), 2) == date(2026, 3, 24)  # over a weekend
    assert add_bank_days(date(2026, 12, 23), 1) == date(2026, 12, 28)


def test_a_bankgiro_hold_waits_for_bank_days_then_lapses_with_an_e_mail(
    client, coach, run_after_commit
):
    video, _ = coach
    _, booking = run_after_commit(lambda: book_by_bankgiro(client, video))
    due = booking.order.due_date
    hold = booking.hold_expires_at
    assert hold.date() >= add_bank_days(due, 2) or hold == booking.starts_at
    assert hold > datetime.combine(due, datetime.max.time(), tzinfo=UTC)
    mail.outbox.clear()
    run_after_commit(lambda: booking_expire_holds(now=hold + timedelta(minutes=1)))
    booking.refresh_from_db()
    assert booking.state == Booking.State.EXPIRED
    [lapsed] = sent_to("astrid1@example.se")
    assert (
        "reservationen har gått ut" in lapsed.body and "Fakturan gäller inte längre" in lapsed.body
    )


def test_an_unpaid_bankgiro_invoice_gets_one_reminder_before_its_due_date(
    client, coach, run_after_commit
):
    video, _ = coach
    _, booking = run_after_commit(lambda: book_by_bankgiro(client, video))
    due = booking.order.due_date
    mail.outbox.clear()
    early = datetime.combine(due - timedelta(days=5), datetime.min.time(), tzinfo=UTC)
    assert booking_send_payment_reminders(now=early) == 0
    near = datetime.combine(due - timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    assert run_after_commit(lambda: booking_send_payment_reminders(now=near)) == 1
    [reminder] = sent_to("astrid1@example.se")
    assert "betala senast" in reminder.subject and booking.order.ocr_reference in reminder.body
    assert "900,00 kr" in reminder.body
    assert booking_send_payment_reminders(now=near) == 0
