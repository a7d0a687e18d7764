"""The booking app's reactions to hooks of the apps below it, registered in BookingConfig.ready()."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from django.db.models import Q
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from consonance.booking import selectors, services
from consonance.booking.models import Booking, Service, ZoomSync
from consonance.lib import overview
from consonance.lib.money import format_amount
from consonance.lib.time import STOCKHOLM
from consonance.payments import hooks as payment_hooks
from consonance.people import hooks as people_hooks
from consonance.people.models import Person
from consonance.people.selectors import persons_read
from consonance.rights import hooks as rights_hooks

# The overview warns about a video session without a link this long before it.
LINK_WARNING = timedelta(hours=48)
# The client card offers "no-show" for sessions this recent.
NO_SHOW_OFFERED = timedelta(days=7)


def _sessions_waiting(group: str, bookings) -> list[overview.Waiting]:
    """A waiting item per session: its first name, its page, its start as the deadline."""
    return [
        overview.Waiting(
            group=group,
            text=booking.person.first_name,
            url=reverse("booking_staff:detail", args=[booking.pk]),
            due_at=booking.starts_at,
            person_id=booking.person_id,
        )
        for booking in persons_read(list(bookings))
    ]


def waiting_links(query: overview.OverviewQuery) -> list[overview.Waiting]:
    """Video sessions soon without a link: the client must get one in time."""
    sessions = selectors.sessions_without_link(query.now, LINK_WARNING)[: query.limit]
    return _sessions_waiting(_("Videolänk saknas"), sessions)


def waiting_zoom(query: overview.OverviewQuery) -> list[overview.Waiting]:
    """Moved sessions whose Zoom meeting kept the old time: she moves it in Zoom, tries again or
    sets another link."""
    sessions = selectors.sessions_zoom_failed(query.now)[: query.limit]
    return _sessions_waiting(_("Zoom-mötet har fel tid"), sessions)


def _upcoming(person_id: int) -> list[Booking]:
    """Her confirmed sessions ahead (video with a time; an e-mail package not yet begun)."""
    return list(
        Booking.objects.filter(
            person_id=person_id, state=Booking.State.CONFIRMED, starts_at__gt=timezone.now()
        ).select_related("service", "order")
    )


def _label(booking: Booking, language: str) -> str:
    with translation.override(language):
        assert booking.starts_at is not None  # _upcoming: sessions with a time
        local = booking.starts_at.astimezone(STOCKHOLM)
        return f"{booking.service.name}, {formats.date_format(local, 'j F Y')} {local:%H:%M}"


def sessions_held(person: Person) -> list[rights_hooks.HeldSession]:
    """Rights asks (before an erasure or a restriction) which sessions she has ahead; labelled in
    the language she is reading in (the coach's note asks for Swedish)."""
    now = timezone.now()
    language = translation.get_language() or person.language
    return [
        rights_hooks.HeldSession(
            label=_label(booking, language),
            ends_at=booking.ends_at or booking.starts_at or now,
            refund=format_amount(amount, language)
            if (amount := selectors.refund_due(booking, now))
            else "",
        )
        for booking in _upcoming(person.pk)
    ]


def unpaid_reservations(person: Person) -> list[rights_hooks.UnpaidReservation]:
    """Rights asks before an erasure: her reservations still waiting for payment (her erasure
    removes them with her; the page and the receipt name them)."""
    language = translation.get_language() or person.language
    return [
        rights_hooks.UnpaidReservation(
            label=_label(booking, language) if booking.starts_at else booking.service.name,
            order_id=booking.order_id,
        )
        for booking in Booking.objects.filter(
            person_id=person.pk, state=Booking.State.HELD
        ).select_related("service")
    ]


def sessions_cancel(asked: rights_hooks.SessionsCancel) -> list[str]:
    """She chose to cancel them: each under the service's rule; a line each for her receipt."""
    lines = []
    language = translation.get_language() or asked.person.language
    for booking in _upcoming(asked.person.pk):
        refund = services.booking_cancel(booking_id=booking.pk, actor=asked.actor)
        with translation.override(language):
            if refund > 0:
                done = _("avbokat, %(amount)s betalas tillbaka") % {
                    "amount": format_amount(refund, language)
                }
            else:
                done = _("avbokat, inget återbetalas enligt villkoren")
        lines.append(f"{_label(booking, language)}: {done}")
    return lines


# -- the coach's client list and card (people.hooks) -------------------------------------------


def client_ids(_ask: None) -> Q:
    return Q(pk__in=Booking.objects.values("person_id"))


def clients_open(ask: people_hooks.ClientsAsk) -> dict[int, list[people_hooks.OpenItem]]:
    """Per person: reservations waiting for payment, video sessions soon without a link, and
    moved sessions whose Zoom meeting kept the old time."""
    found: dict[int, list[people_hooks.OpenItem]] = {}
    rows = Booking.objects.filter(person_id__in=ask.person_ids).filter(
        Q(state=Booking.State.HELD, hold_expires_at__gt=ask.now)
        | Q(
            state=Booking.State.CONFIRMED,
            join_url="",
            service__kind=Service.Kind.VIDEO,
            starts_at__gt=ask.now,
            starts_at__lte=ask.now + LINK_WARNING,
        )
        | Q(state__in=Booking.ACTIVE, zoom_sync=ZoomSync.FAILED, starts_at__gt=ask.now)
    )
    for person_id, state, zoom_sync, hold_expires_at, starts_at in rows.values_list(
        "person_id", "state", "zoom_sync", "hold_expires_at", "starts_at"
    ):
        if zoom_sync == ZoomSync.FAILED:
            item = people_hooks.OpenItem(_("Zoom-mötet har fel tid"), starts_at)
        elif state == Booking.State.HELD:
            item = people_hooks.OpenItem(_("Väntar på betalning"), hold_expires_at)
        else:
            item = people_hooks.OpenItem(_("Videolänk saknas"), starts_at)
        found.setdefault(person_id, []).append(item)
    return found


def _card_rows(
    bookings: list[Booking], now: datetime
) -> list[tuple[Booking, selectors.StaffActions]]:
    """Each booking with what the coach may do now. A no-show is marked soon after the session:
    the card offers it for recent sessions only (an older one's own page still does)."""
    rows = []
    for booking in bookings:
        allowed = selectors.staff_actions(booking, now)
        recent = booking.starts_at is not None and booking.starts_at > now - NO_SHOW_OFFERED
        rows.append((booking, replace(allowed, can_no_show=allowed.can_no_show and recent)))
    return rows


def client_card(ask: people_hooks.CardAsk) -> people_hooks.CardSection | None:
    """Her bookings, upcoming and past, each with what the coach may do with it now."""
    upcoming, past = selectors.person_sessions(ask.person.pk, ask.now)
    if not upcoming and not past:
        return None
    deadlines = tuple(
        people_hooks.OpenItem(_("Reservationen går ut"), booking.hold_expires_at)
        for booking in upcoming
        if booking.state == Booking.State.HELD and booking.hold_expires_at
    )
    return people_hooks.CardSection(
        position=10,
        anchor="bokningar",
        title=_("Bokningar"),
        template="booking/staff/_client_section.html",
        context={
            "groups": [
                (title, _card_rows(rows, ask.now))
                for title, rows in ((_("Kommande"), upcoming), (_("Tidigare"), past))
                if rows
            ]
        },
        deadlines=deadlines,
    )


def recipients_of(person: Person) -> list[rights_hooks.RecipientUse]:
    """Zoom, for each of her bookings that had a Zoom meeting: when it was made (her name and
    e-mail went to Zoom) and, once past, when it was held. No meeting, no Zoom."""
    now = timezone.now()
    uses = []
    for booking in Booking.objects.filter(person_id=person.pk).exclude(zoom_meeting_id=""):
        made = booking.confirmed_at or booking.created_at
        held = booking.starts_at if booking.starts_at and booking.starts_at <= now else made
        uses.append(rights_hooks.RecipientUse("zoom", made, max(made, held)))
    return uses


def register() -> None:
    rights_hooks.recipients_of.register(recipients_of)
    payment_hooks.payments_recorded.register(services.bookings_confirm_paid)
    payment_hooks.order_paid.register(services.booking_confirm_paid)
    payment_hooks.payment_failed.register(services.booking_release_failed_payment)
    overview.waiting.register(waiting_links)
    overview.waiting.register(waiting_zoom)
    rights_hooks.sessions_held.register(sessions_held)
    rights_hooks.sessions_cancel.register(sessions_cancel)
    rights_hooks.unpaid_reservations.register(unpaid_reservations)
    people_hooks.clients_known.register(client_ids)
    people_hooks.clients_open.register(clients_open)
    people_hooks.client_card.register(client_card)
