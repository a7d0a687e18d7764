"""Shared personas, factories and helpers for the tests, one module per app or seam; every name
is re-exported here, so tests import from `tests.factories` (and pytest finds its fixtures here)."""

from __future__ import annotations

from tests.factories.bankgiro import book_by_bankgiro, pay, practice
from tests.factories.booking import (
    BANKGIRO,
    NOW,
    active_bookings,
    form,
    make_practice,
    sent_to,
    slot_links,
    start_of,
)
from tests.factories.bookkeeping import paid_order, sie_verify
from tests.factories.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    chromium,
    coach_signs_in,
    live_practice,
    page_go,
    page_shows,
    tab,
)
from tests.factories.contact import contact_form, contact_page_fields
from tests.factories.journal import make_client, make_email_consultation
from tests.factories.newsletter import link_in, member_code, optional_cookie_policy, subscriber
from tests.factories.own_calendar import OWN_CALENDAR, CalendarServer, calendar_server
from tests.factories.people import encrypted
from tests.factories.rights import (
    EMAIL,
    REFUND_ACCOUNT,
    RIGHTS_START,
    change_address,
    follow_link,
    link_from_mail,
    populated_person,
    sign_in,
)
from tests.factories.staff import (
    STAFF_EMAIL,
    confirmed_booking,
    dkim_signing,
    run_after_commit,
    staff_mail,
)

__all__ = [
    "BANKGIRO",
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "EMAIL",
    "NOW",
    "OWN_CALENDAR",
    "REFUND_ACCOUNT",
    "RIGHTS_START",
    "STAFF_EMAIL",
    "CalendarServer",
    "active_bookings",
    "book_by_bankgiro",
    "calendar_server",
    "change_address",
    "chromium",
    "coach_signs_in",
    "confirmed_booking",
    "contact_form",
    "contact_page_fields",
    "dkim_signing",
    "encrypted",
    "follow_link",
    "form",
    "link_from_mail",
    "link_in",
    "live_practice",
    "make_client",
    "make_email_consultation",
    "make_practice",
    "member_code",
    "optional_cookie_policy",
    "page_go",
    "page_shows",
    "paid_order",
    "pay",
    "populated_person",
    "practice",
    "run_after_commit",
    "sent_to",
    "sie_verify",
    "sign_in",
    "slot_links",
    "staff_mail",
    "start_of",
    "subscriber",
    "tab",
]
