from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from consonance.privacy.registry import Holding, PersonalModel, Readable, Thing

PERSONAL_DATA = [
    PersonalModel(
        "booking.Booking",
        subject="person",
        # When a client had a consultation is part of what the practice knows about her, kept
        # two years after the latest contact like her contact details (P10).
        holdings=(
            Holding(
                "contact_details",
                fields=("starts_at", "ends_at", "service"),
                clocks={"last_contact": "person__last_contact_at"},
            ),
        ),
        not_personal=(
            "person",
            "order",
            "created_at",
            "state",
            "hold_expires_at",
            "confirmed_at",
            "cancelled_at",
            "answered_at",
            "completed_at",
            "language",
            "nonce",
            "zoom_meeting_id",
            "join_url",
            "zoom_sync",
            "zoom_sync_attempts",
            "zoom_sync_next_at",
            "confirmation_sent_at",
            "reminder_sent_at",
            "payment_reminder_sent_at",
            "ics_sequence",
        ),
        things=(Thing(ngettext_lazy("%(count)d bokning", "%(count)d bokningar", "count")),),
        readable=Readable(
            heading=_("Bokningar"),
            labels={
                "service": _("Tjänst"),
                "starts_at": _("Tid"),
                "ends_at": _("Slutar"),
                "state": _("Läge"),
                "created_at": _("Bokad"),
                "confirmed_at": _("Bekräftad"),
                "cancelled_at": _("Avbokad"),
                "answered_at": _("Första svaret"),
                "completed_at": _("Genomförd"),
            },
        ),
    ),
]

NOT_PERSONAL = {
    "booking.Service": "the services the practice offers and their prices",
    "booking.PracticeSettings": "the practice's booking window",
    "booking.OpeningHours": "the practice's weekly opening hours",
    "booking.DayOff": "the practice's days off and changed hours",
    "booking.CalendarFeed": "the hash of the coach's private calendar address",
    "booking.BusyCalendar": (
        "the coach's own calendar addresses (encrypted) and how their last read went; "
        "nothing about clients"
    ),
    "booking.BusyTime": (
        "start, end and busy/free of times in the coach's own calendars, from today on and "
        "replaced at each read; no titles, places or other people"
    ),
}
