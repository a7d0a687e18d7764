"""The coach matches an unmatched Bankgiro payment to its order by hand; the booking confirms."""

from __future__ import annotations

import pytest
from django.core import mail

from consonance.audit.models import Event as AuditEvent
from consonance.booking.models import Booking
from consonance.payments.bankgiro.bgmax_writer import DepositInput, write_bgmax
from consonance.payments.bankgiro.imports import bankgiro_import
from consonance.payments.bankgiro.models import BankPayment
from consonance.payments.models import Order
from tests.factories import NOW, book_by_bankgiro

pytestmark = pytest.mark.django_db


def test_an_unmatched_payment_is_matched_by_hand_and_never_twice(
    client, staff_client, practice, django_capture_on_commit_callbacks
):
    video, _ = practice
    _, booking = book_by_bankgiro(client, video)
    order = booking.order
    # The payer typed the OCR number wrong: the payment lands unmatched.
    data = write_bgmax([DepositInput(NOW.date(), serial=7, payments=[("99999999", order.amount)])])
    bankgiro_import(data=data, filename="bg7.txt", dry_run=False, actor="system")
    payment = BankPayment.objects.get()
    assert payment.state == BankPayment.State.UNMATCHED
    page = staff_client.get("/staff/bankgiro/").content.decode()
    assert "Koppla" in page and "900,00 kr" in page

    response = staff_client.post(
        f"/staff/bankgiro/payments/{payment.pk}/match/", {"reference": "CC-NOSUCH"}, follow=True
    )
    assert "Ingen order med referensen CC-NOSUCH" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            f"/staff/bankgiro/payments/{payment.pk}/match/",
            {"reference": order.reference.lower()},
            follow=True,
        )
    assert f"kopplad till order {order.reference}" in response.content.decode()
    payment.refresh_from_db()
    order.refresh_from_db()
    booking.refresh_from_db()
    assert payment.state == BankPayment.State.MATCHED and payment.order_id == order.pk
    assert order.status == Order.Status.PAID and booking.state == Booking.State.CONFIRMED
    assert AuditEvent.objects.filter(action="bankgiro.payment_matched").exists()
    assert any("bekräftad" in m.body for m in mail.outbox)
    # The same file again, or a second click: nothing is recorded twice.
    bankgiro_import(data=data, filename="bg7-again.txt", dry_run=False, actor="system")
    staff_client.post(
        f"/staff/bankgiro/payments/{payment.pk}/match/", {"reference": order.reference}
    )
    order.refresh_from_db()
    assert order.amount_paid == order.amount
