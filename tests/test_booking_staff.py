"""The coach's booking and payment pages: services, hours, days off, bookings, orders, refunds."""

from __future__ import annotations

from decimal import Decimal

import pytest
import time_machine

from consonance.booking.models import DayOff, OpeningHours, PracticeSettings, Service
from consonance.payments.models import Order, Refund
from tests.factories import BANKGIRO, NOW, form, make_practice, slot_links

pytestmark = pytest.mark.django_db


@pytest.fixture
def practice(settings):
    settings.SITE_URL = "https://praktik.example"
    settings.BANKGIRO_NUMBER = BANKGIRO
    with time_machine.travel(NOW, tick=True):
        yield make_practice()


def test_staff_pages_need_a_signed_in_coach(client, practice):
    for url in ("/staff/booking/", "/staff/payments/", "/staff/payments/refunds/"):
        assert client.get(url).status_code == 302


def test_the_coach_adds_a_service_and_bad_input_re_renders_with_messages(staff_client, practice):
    data = {
        "name_sv": "Kort samtal",
        "name_en": "Short session",
        "kind": "video",
        "duration_minutes": "25",
        "price": "-5",
        "vat_rate": "25",
        "refund_full_hours": "24",
        "late_refund_percent": "50",
        "position": "3",
        "active": "on",
    }
    response = staff_client.post("/staff/booking/services/new/", data)
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    data["price"] = "450"
    response = staff_client.post("/staff/booking/services/new/", data, follow=True)
    assert "Tjänsten är sparad" in response.content.decode()
    assert Service.objects.get(name_sv="Kort samtal").price == Decimal("450")


def test_the_coach_sets_hours_settings_and_days_off(staff_client, practice):
    page = staff_client.get("/staff/booking/hours/")
    assert page.status_code == 200
    response = staff_client.post(
        "/staff/booking/hours/",
        {
            "save_settings": "1",
            "buffer_minutes": "15",
            "step_minutes": "60",
            "notice_hours": "48",
            "horizon_days": "30",
            "hold_minutes": "20",
        },
        follow=True,
    )
    assert "sparade" in response.content.decode()
    assert PracticeSettings.load().buffer_minutes == 15
    hours = list(OpeningHours.objects.all())
    formset = {
        "save_hours": "1",
        "form-TOTAL_FORMS": str(len(hours) + 1),
        "form-INITIAL_FORMS": str(len(hours)),
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(hours):
        formset |= {
            f"form-{i}-id": str(row.pk),
            f"form-{i}-weekday": str(row.weekday),
            f"form-{i}-start": "09:00",
            f"form-{i}-end": "17:00",
        }
    n = len(hours)
    formset |= {f"form-{n}-weekday": "5", f"form-{n}-start": "12:00", f"form-{n}-end": "10:00"}
    response = staff_client.post("/staff/booking/hours/", formset)
    assert (
        response.status_code == 200
        and "Starttiden måste vara före sluttiden" in response.content.decode()
    )
    formset[f"form-{n}-end"] = "15:00"
    staff_client.post("/staff/booking/hours/", formset)
    assert OpeningHours.objects.filter(weekday=5).exists()

    response = staff_client.post(
        "/staff/booking/days-off/", {"day": "2026-04-03", "note": "Långfredag"}, follow=True
    )
    assert "Långfredag" in response.content.decode()
    day = DayOff.objects.get()
    staff_client.post(f"/staff/booking/days-off/{day.pk}/remove/")
    assert not DayOff.objects.exists()


def test_the_coach_sees_bookings_orders_and_marks_a_refund_task_done(
    staff_client, client, practice, django_capture_on_commit_callbacks
):
    video, _ = practice
    links = slot_links(client.get(f"/boka/{video.pk}/?sida=1").content.decode(), video)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(links[0], form("bankgiro"))
    order = Order.objects.get()
    page = staff_client.get("/staff/booking/").content.decode()
    assert "Astrid" in page and "Reserverad" in page
    assert order.reference in staff_client.get("/staff/payments/").content.decode()
    detail = staff_client.get(f"/staff/payments/{order.pk}/").content.decode()
    assert "Faktura skickad" in detail and order.ocr_reference in detail

    refund = Refund.objects.create(
        order=order, amount=Decimal("900.00"), reason="cancelled", status=Refund.Status.MANUAL
    )
    Order.objects.filter(pk=order.pk).update(amount_paid=Decimal("900.00"), status="paid")
    assert order.reference in staff_client.get("/staff/payments/refunds/").content.decode()
    staff_client.post(f"/staff/payments/refunds/{refund.pk}/done/")
    refund.refresh_from_db()
    order.refresh_from_db()
    assert refund.status == Refund.Status.DONE
    assert order.status == Order.Status.REFUNDED
