"""The booking e-mails, one function per message, queued through the outbox (after commit).

P20: a video consultation confirmation, the payment instructions of a Bankgiro invoice, and a
refund confirmation. No health details in any body: the service's name, times, amounts and
links only. Links carry a signed token (booking id and nonce), never personal data.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone, translation

from consonance.booking import calendar
from consonance.booking.hooks import document_files_for, documents_for
from consonance.booking.models import Booking
from consonance.booking.selectors import refund_deadline
from consonance.booking.tokens import booking_token
from consonance.lib.money import format_amount
from consonance.lib.time import STOCKHOLM
from consonance.lib.urls import absolute_reverse, absolute_url
from consonance.mail.outbox import mail_queue
from consonance.payments import methods
from consonance.payments.bankgiro.services import bankgiro_payment_instructions
from consonance.payments.models import Order
from consonance.rights.selectors import person_is_restricted

# P20: every mail this app sends and its purpose, an id of the policy's [communication] list
# (privacy/mail_types.py; the outbox refuses a template not named here).
MAIL_TYPES = {
    "booking_confirmed": "video_confirmation",
    "booking_video_link": "video_confirmation",
    "booking_invoice": "booking",
    "booking_payment_reminder": "booking",
    "booking_cancelled": "booking",
    "booking_restricted": "booking",
    "booking_slot_taken": "booking",
    "booking_moved": "booking",
    "booking_reminder": "booking",
    "booking_hold_lapsed": "booking",
    "coach_booking": "coach_notice",
}


def _when(moment: datetime | None, language: str) -> str:
    if moment is None:
        return ""
    with translation.override(language):
        local = moment.astimezone(STOCKHOLM)
        return formats.date_format(local, "l j F Y") + " " + local.strftime("%H:%M")


def _link(name: str, token: str, language: str) -> str:
    with translation.override(language):
        return absolute_reverse(name, token)


def _context(booking: Booking) -> dict:
    language = booking.language
    service = booking.service
    order = booking.order
    with translation.override(language):
        name = service.name
        documents = documents_for(order)  # receipts and invoices (bookkeeping answers)
    return {
        "first_name": booking.person.first_name,
        "service_name": name,
        "is_video": service.has_slot,
        "starts": _when(booking.starts_at, language),
        "ends": booking.ends_at.astimezone(STOCKHOLM).strftime("%H:%M") if booking.ends_at else "",
        "duration": service.duration_minutes,
        "amount": format_amount(order.amount, language) if order else "",
        "currency": order.currency if order else "SEK",
        "order_reference": order.reference if order else "",
        "refund_full_hours": service.refund_full_hours,
        "late_refund_percent": service.late_refund_percent,
        "answered_refund_percent": service.answered_refund_percent,
        "refund_deadline": _when(refund_deadline(booking), language),
        "cancel_url": _link("booking-cancel", booking_token(booking, "cancel"), language),
        "move_url": _link("booking-move", booking_token(booking, "move"), language),
        "status_url": _link("booking-status", booking_token(booking, "status"), language),
        "join_url": booking.join_url,
        "documents": documents,
    }


def _send(booking: Booking, template: str, context: dict, attachments=()) -> None:
    mail_queue(
        to=booking.person.email,
        template=template,
        context=context,
        language=booking.language,
        person_id=booking.person_id,
        attachments=attachments,
        # A restricted address is suppressed; a booking she made herself still reaches her.
        bypass_suppression=person_is_restricted(booking.person_id),
    )


def _document_files(booking: Booking) -> list[tuple[str, bytes, str]]:
    """Her receipt or invoice as PDF, in her language, to file or forward."""
    with translation.override(booking.language):
        return document_files_for(booking.order)


def _calendar_file(booking: Booking, *, cancelled: bool = False) -> list:
    """The booking's calendar file as an attachment (none for a booking without a time)."""
    if booking.starts_at is None or booking.ends_at is None:
        return []
    content = calendar.booking_ics(booking, cancelled=cancelled)
    return [(calendar.FILENAME, content, calendar.mimetype(cancelled=cancelled))]


def confirmed(booking: Booking) -> None:
    context = _context(booking)
    _send(booking, "booking_confirmed", context, _calendar_file(booking) + _document_files(booking))


def payment_reminder(booking: Booking) -> None:
    """A Bankgiro invoice is due soon and not yet paid: what is left and how to pay it."""
    _send(booking, "booking_payment_reminder", _invoice_context(booking))


def _invoice_context(booking: Booking) -> dict:
    order = booking.order
    assert order is not None  # a Bankgiro booking is held together with its order
    order.refresh_from_db()
    instructions = bankgiro_payment_instructions(order)
    context = _context(booking)
    context.update(
        bankgiro=instructions["bankgiro"],
        ocr=instructions["ocr_reference"],
        to_pay=format_amount(instructions["amount"], booking.language),
        due_date=_day(instructions["due_date"], booking.language),
    )
    return context


def _invoiced(order: Order) -> bool:
    """Paid against an invoice (Bankgiro): refunded by hand, void when the hold lapses."""
    return methods.method(order.method).document == "invoice"


def invoice(booking: Booking) -> None:
    """Bankgiro: the reservation and how to pay it (the confirmation follows the payment)."""
    _send(booking, "booking_invoice", _invoice_context(booking), _document_files(booking))


def cancelled(booking: Booking, refund: Decimal) -> None:
    context = _context(booking)
    context.update(
        refund=format_amount(refund, booking.language) if refund > 0 else "",
        manual_refund=bool(booking.order and _invoiced(booking.order)),
        unpaid_invoice=bool(
            booking.order and _invoiced(booking.order) and not booking.order.amount_paid
        ),
        # Only a confirmed session has been in her calendar: the file that takes it out.
        calendar_cancel=booking.confirmed_at is not None and booking.starts_at is not None,
    )
    attachments = _calendar_file(booking, cancelled=True) if context["calendar_cancel"] else []
    _send(booking, "booking_cancelled", context, attachments)


def restricted_booking(booking: Booking) -> None:
    """She has restricted processing and booked anyway: her booking is used for this session only,
    and her restriction stays in force otherwise (P27)."""
    _send(booking, "booking_restricted", _context(booking))


def slot_taken(booking: Booking, refund: Decimal) -> None:
    context = _context(booking)
    context.update(refund=format_amount(refund, booking.language) if refund > 0 else "")
    _send(booking, "booking_slot_taken", context)


def _day(day, language: str) -> str:
    if day is None:
        return ""
    with translation.override(language):
        return formats.date_format(day, "j F Y")


def moved(booking: Booking) -> None:
    """The session has a new time (moved by the client or the coach): the new calendar file."""
    _send(booking, "booking_moved", _context(booking), _calendar_file(booking))


def reminder(booking: Booking) -> None:
    """Before the session: when, the link for video, and labelled ways to move (while the rule
    still lets her) or cancel."""
    context = _context(booking)
    deadline = refund_deadline(booking)
    context["can_move"] = deadline is not None and timezone.now() <= deadline
    _send(booking, "booking_reminder", context)


def video_link(booking: Booking) -> None:
    """The coach has set (or changed) the link to the video session."""
    _send(booking, "booking_video_link", _context(booking))


def hold_lapsed(booking: Booking) -> None:
    """A Bankgiro reservation ended unpaid: the time is free again, the invoice void."""
    if booking.order is None or not _invoiced(booking.order):
        return
    context = _context(booking)
    context["book_url"] = absolute_url(reverse("booking-services"))
    _send(booking, "booking_hold_lapsed", context)


# -- to the coach --------------------------------------------------------------------------------

COACH_EVENTS = ("invoiced", "paid", "cancelled", "moved", "created", "no_show", "video_failed")


def coach_notify(booking: Booking, event: str) -> None:
    """A short note to the coach: what happened, when, a first name and a link (no more)."""
    assert event in COACH_EVENTS
    mail_queue(
        to=settings.CONSONANCE_STAFF_EMAIL,
        template="coach_booking",
        context={
            "event": event,
            "first_name": booking.person.first_name,
            "service_name": booking.service.name_sv,
            "starts": _when(booking.starts_at, "sv"),
            "url": absolute_url(reverse("booking_staff:detail", args=[booking.pk])),
        },
        language="sv",
    )
