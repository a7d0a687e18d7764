"""Busy times from the coach's own calendars: the private ICS addresses she pastes (Google,
iCloud, Outlook), read by the worker, so that a slot overlapping a busy time is not offered.

- The address is a secret: stored encrypted under a key derived from the master key, shown only
  masked (its host and last characters), never logged — logs and errors name the calendar's id
  and a code; an httpx error (whose text holds the address) is never passed on.
- A read is bounded: 10 seconds per connection and answer, at most MAX_BYTES, at most
  MAX_OCCURRENCES occurrences, three redirects; only http and https.
- Recurrences (RRULE, RDATE, EXDATE, moved occurrences), time zones (TZID, Google's
  X-WR-TIMEZONE) and all-day events are expanded by `recurring-ical-events` on `icalendar`, for
  the booking window only (today to the practice's horizon). A floating time and an all-day date
  are Stockholm time.
- Only start, end and busy/free (TRANSP) are stored, never a title, place, description or
  attendee; a cancelled event (STATUS:CANCELLED) is no time at all. Each read replaces what the
  calendar had; a failed read keeps the earlier times and says why in words on her page.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit

import httpx
import recurring_ical_events
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from icalendar import Calendar

from consonance.audit.services import audit_append
from consonance.booking.models import BusyCalendar, BusyTime, PracticeSettings
from consonance.lib.crypto import DecryptionError, derive_key, encrypt, parse_master_key
from consonance.lib.keyring import decrypt_any, derived_keys
from consonance.lib.time import STOCKHOLM

log = logging.getLogger("consonance.booking")

KEY_PURPOSE = "busy-calendar-address"
TIMEOUT = 10.0  # seconds, to connect and between bytes of the answer
MAX_BYTES = 5 * 1024 * 1024
MAX_OCCURRENCES = 20_000
MAX_ADDRESS = 2000
MAX_CALENDARS = 10


class AddressInvalid(ValueError):
    """Not a calendar address we can read (the code says why, for the form)."""


class ReadFailed(Exception):
    """A read that found no calendar: `code` for the page's words, `status` an HTTP status."""

    def __init__(self, code: str, status: int | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.status = status


# -- the address ----------------------------------------------------------------------------


def address_normalise(text: str) -> str:
    """The address as it is read: trimmed, webcal:// as https://; AddressInvalid otherwise."""
    address = text.strip()
    if not address:
        raise AddressInvalid("empty")
    if len(address) > MAX_ADDRESS or any(c.isspace() for c in address):
        raise AddressInvalid("malformed")
    if address.lower().startswith("webcal://"):
        address = "https://" + address[len("webcal://") :]
    try:
        parts = urlsplit(address)
    except ValueError:
        raise AddressInvalid("malformed") from None
    if parts.scheme.lower() not in {"http", "https"}:
        raise AddressInvalid("scheme")
    if not parts.hostname:
        raise AddressInvalid("malformed")
    return address


def address_mask(address: str) -> str:
    """What her page shows of an address: its host and its last four characters."""
    host = urlsplit(address).hostname or ""
    return f"{host}/…{address[-4:]}" if len(address) > len(host) + 12 else f"{host}/…"


def _key() -> bytes:
    return derive_key(parse_master_key(settings.CONSONANCE_MASTER_KEY), KEY_PURPOSE)


_CONTEXT = b"busy-calendar-address"


def _seal(address: str) -> bytes:
    return encrypt(_key(), address.encode(), _CONTEXT)


def calendar_address(calendar: BusyCalendar) -> str:
    """The calendar's address in clear (for reading it; never for a page or a log)."""
    # Under either master key during a rotation (lib/keyring.py).
    return decrypt_any(
        derived_keys(KEY_PURPOSE), bytes(calendar.address_ciphertext), _CONTEXT
    ).decode()


# -- writes ---------------------------------------------------------------------------------


def calendar_add(*, address: str, label: str, actor: str) -> BusyCalendar:
    """Keep a new calendar address (read it with `calendar_read`)."""
    address = address_normalise(address)
    with transaction.atomic():
        if BusyCalendar.objects.count() >= MAX_CALENDARS:
            raise AddressInvalid("too_many")
        calendar = BusyCalendar.objects.create(
            label=label.strip()[:60],
            address_ciphertext=_seal(address),
            address_hint=address_mask(address),
        )
        audit_append(actor=actor, action="busy_calendar.added", detail={"calendar": calendar.pk})
    return calendar


def calendar_remove(*, calendar: BusyCalendar, actor: str) -> None:
    """Forget a calendar: its address and every time read from it."""
    with transaction.atomic():
        audit_append(actor=actor, action="busy_calendar.removed", detail={"calendar": calendar.pk})
        calendar.delete()


@dataclass(frozen=True, slots=True)
class Span:
    starts_at: datetime
    ends_at: datetime
    busy: bool


def calendar_read(*, calendar_id: int, now: datetime | None = None) -> bool:
    """Read one calendar now and replace its times; True when the read worked. A failure is
    recorded on the calendar (its code and HTTP status), its earlier times kept."""
    now = now or timezone.now()
    calendar = BusyCalendar.objects.filter(pk=calendar_id).first()
    if calendar is None:
        return False
    try:
        address = calendar_address(calendar)
        data = fetch(address)
    except DecryptionError:
        return _failed(calendar, ReadFailed("unreadable"), now)
    except ReadFailed as failure:
        return _failed(calendar, failure, now)
    # Sealed anew under the current master key: a key rotation carries it over by the next read.
    BusyCalendar.objects.filter(pk=calendar.pk).update(address_ciphertext=_seal(address))
    return calendar_import(calendar=calendar, data=data, now=now)


def calendar_import(*, calendar: BusyCalendar, data: bytes, now: datetime) -> bool:
    """Replace the calendar's times with those of the calendar file `data` (its read, or the
    demo's file); False, with the reason recorded, when it is no calendar file."""
    start, end = read_window(now)
    try:
        spans = spans_between(data, start, end)
    except ReadFailed as failure:
        return _failed(calendar, failure, now)
    with transaction.atomic():
        BusyTime.objects.filter(calendar=calendar).delete()
        BusyTime.objects.bulk_create(
            (
                BusyTime(calendar=calendar, starts_at=s.starts_at, ends_at=s.ends_at, busy=s.busy)
                for s in spans
            ),
            batch_size=1000,
        )
        busy = sum(1 for s in spans if s.busy)
        BusyCalendar.objects.filter(pk=calendar.pk).update(
            read_at=now,
            read_ok_at=now,
            error="",
            error_status=None,
            busy_count=busy,
            free_count=len(spans) - busy,
        )
    log.info("busy calendar %s read: %s busy, %s free", calendar.pk, busy, len(spans) - busy)
    return True


def _failed(calendar: BusyCalendar, failure: ReadFailed, now: datetime) -> bool:
    BusyCalendar.objects.filter(pk=calendar.pk).update(
        read_at=now, error=failure.code, error_status=failure.status
    )
    log.warning("busy calendar %s not read: %s %s", calendar.pk, failure.code, failure.status or "")
    return False


def calendars_read_all(*, now: datetime | None = None) -> int:
    """Read every calendar (the worker's periodic job); how many reads worked."""
    ids = list(BusyCalendar.objects.values_list("pk", flat=True))
    return sum(calendar_read(calendar_id=pk, now=now) for pk in ids)


def read_window(now: datetime) -> tuple[datetime, datetime]:
    """From today's midnight to a day past the booking horizon (Stockholm)."""
    today = now.astimezone(STOCKHOLM).date()
    horizon = PracticeSettings.load().horizon_days + 2
    return _midnight(today), _midnight(today + timedelta(days=horizon))


# -- reading --------------------------------------------------------------------------------


def fetch(address: str) -> bytes:
    """The calendar file at `address`, bounded in time and size; ReadFailed otherwise."""
    try:
        with (
            httpx.Client(
                timeout=httpx.Timeout(TIMEOUT),
                follow_redirects=True,
                max_redirects=3,
                headers={"Accept": "text/calendar, */*;q=0.5", "User-Agent": "Consonance"},
            ) as client,
            client.stream("GET", address) as response,
        ):
            if response.status_code >= 400:
                raise ReadFailed("status", response.status_code)
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > MAX_BYTES:
                raise ReadFailed("too_large")
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > MAX_BYTES:
                    raise ReadFailed("too_large")
                chunks.append(chunk)
    except httpx.TimeoutException:
        raise ReadFailed("timeout") from None
    except httpx.TooManyRedirects:
        raise ReadFailed("redirects") from None
    except (httpx.HTTPError, httpx.InvalidURL, ValueError):
        # ConnectError, a bad certificate, a name that does not resolve… (the text, which holds
        # the address, goes nowhere)
        raise ReadFailed("unreachable") from None
    return b"".join(chunks)


def spans_between(data: bytes, start: datetime, end: datetime) -> list[Span]:
    """The times of the calendar file `data` that meet [start, end), sorted."""
    if b"BEGIN:VCALENDAR" not in data[:4096].upper():
        raise ReadFailed("not_ics")
    try:
        calendar = Calendar.from_ical(data)
        _refuse_runaway_rules(calendar)
        occurrences = recurring_ical_events.of(calendar).between(start, end)
        if len(occurrences) > MAX_OCCURRENCES:
            raise ReadFailed("too_many")
        spans = []
        for event in occurrences:
            span = _span(event)
            if span is not None and span.starts_at < end and span.ends_at > start:
                spans.append(span)
    except ReadFailed:
        raise
    except Exception:  # a file icalendar or the expansion cannot read: its contents stay here
        raise ReadFailed("not_ics") from None
    spans.sort(key=lambda s: (s.starts_at, s.ends_at))
    return spans


def _refuse_runaway_rules(calendar: Calendar) -> None:
    """A rule repeating every second or minute would expand to millions of occurrences over
    the window before any cap could count them (no personal calendar has one): too many."""
    for event in calendar.walk("VEVENT"):
        rules = event.get("RRULE")
        for rule in rules if isinstance(rules, list) else [rules] if rules else []:
            frequencies = [str(f).upper() for f in rule.get("FREQ", [])]
            if set(frequencies) & {"SECONDLY", "MINUTELY"}:
                raise ReadFailed("too_many")


def _span(event) -> Span | None:
    if str(event.get("STATUS", "")).upper() == "CANCELLED":
        return None
    if "DTSTART" not in event:
        return None
    first = event.decoded("DTSTART")
    if "DTEND" in event:
        last = event.decoded("DTEND")
    elif "DURATION" in event:
        last = first + event.decoded("DURATION")
    else:
        last = first + timedelta(days=1) if not isinstance(first, datetime) else first
    starts_at, ends_at = _instant(first), _instant(last)
    if ends_at <= starts_at:
        return None  # a moment, not a time (RFC 5545: takes up no time)
    busy = str(event.get("TRANSP", "OPAQUE")).upper() != "TRANSPARENT"
    return Span(starts_at, ends_at, busy)


def _instant(value: date | datetime) -> datetime:
    if not isinstance(value, datetime):  # an all-day date: from its midnight, Stockholm time
        return _midnight(value)
    if value.tzinfo is None:  # a floating time: Stockholm's wall clock
        value = value.replace(tzinfo=STOCKHOLM)
    return value.astimezone(UTC)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=STOCKHOLM).astimezone(UTC)


def busy_between(start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
    """The busy (not free) times of her calendars meeting [start, end)."""
    rows = BusyTime.objects.filter(busy=True, starts_at__lt=end, ends_at__gt=start)
    yield from rows.values_list("starts_at", "ends_at")
