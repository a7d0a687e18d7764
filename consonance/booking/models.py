"""Services, opening hours and bookings.

One practitioner means one session at a time: at most one active (held or confirmed) booking
may start at a given instant (a partial unique constraint), and overlaps and buffers are
re-checked with `availability.slot_is_free` inside a locked transaction (see
`services.booking_hold`).
"""

from __future__ import annotations

import secrets
from datetime import time, timedelta
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consonance.lib.i18n import current_language


def _nonce() -> str:
    return secrets.token_urlsafe(12)


class Service(models.Model):
    """What a client can book: a video consultation (a time slot) or an e-mail package."""

    class Kind(models.TextChoices):
        VIDEO = "video", _("Videokonsultation")
        EMAIL = "email", _("E-postkonsultation")

    name_sv = models.CharField(_("namn (svenska)"), max_length=100)
    name_en = models.CharField(_("namn (engelska)"), max_length=100)
    description_sv = models.TextField(_("beskrivning (svenska)"), blank=True)
    description_en = models.TextField(_("beskrivning (engelska)"), blank=True)
    kind = models.CharField(_("typ"), max_length=8, choices=Kind.choices, default=Kind.VIDEO)
    duration_minutes = models.PositiveIntegerField(
        _("längd i minuter"),
        default=50,
        validators=[MinValueValidator(5), MaxValueValidator(480)],
        help_text=_("För e-postkonsultationer: ingen tid bokas, längden visas bara."),
    )
    price = models.DecimalField(
        _("pris (kr, inkl. moms)"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("1.00"))],
    )
    vat_rate = models.DecimalField(
        _("momssats (%)"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("25.00"),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    refund_full_hours = models.PositiveIntegerField(
        _("full återbetalning till (timmar)"),
        default=24,
        help_text=_(
            "Video: avbokning senast så många timmar före starttiden ger full återbetalning. "
            "E-post: avbokning inom så många timmar efter bokningen."
        ),
    )
    late_refund_percent = models.PositiveIntegerField(
        _("återbetalning vid senare avbokning (%)"),
        default=0,
        validators=[MaxValueValidator(100)],
    )
    answered_refund_percent = models.PositiveIntegerField(
        _("återbetalning när jag har svarat (%)"),
        default=0,
        validators=[MaxValueValidator(100)],
        help_text=_(
            "E-post: när jag har svarat första gången har konsultationen börjat, och en "
            "avbokning ger så här mycket tillbaka. När den är avslutad kan den inte avbokas."
        ),
    )
    active = models.BooleanField(_("bokningsbar"), default=True)
    position = models.PositiveIntegerField(_("ordning"), default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("tjänst")
        verbose_name_plural = _("tjänster")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if current_language() == "en" else self.name_sv

    @property
    def description(self) -> str:
        if current_language() == "en":
            return self.description_en or self.description_sv
        return self.description_sv

    @property
    def has_slot(self) -> bool:
        return self.kind == self.Kind.VIDEO


class PracticeSettings(models.Model):
    """The booking window (one row, pk=1). Its row is also the booking lock on PostgreSQL."""

    buffer_minutes = models.PositiveIntegerField(
        _("paus mellan samtal (minuter)"), default=10, validators=[MaxValueValidator(240)]
    )
    step_minutes = models.PositiveIntegerField(
        _("starttider var (minuter)"),
        default=30,
        validators=[MinValueValidator(5), MaxValueValidator(240)],
        help_text=_("30 ger starttider 09:00, 09:30, 10:00 …"),
    )
    notice_hours = models.PositiveIntegerField(
        _("minsta framförhållning (timmar)"), default=24, validators=[MaxValueValidator(24 * 60)]
    )
    horizon_days = models.PositiveIntegerField(
        _("bokningsbart så långt fram (dagar)"),
        default=56,
        validators=[MinValueValidator(1), MaxValueValidator(366)],
    )
    hold_minutes = models.PositiveIntegerField(
        _("tiden reserveras under betalningen (minuter)"),
        default=15,
        validators=[MinValueValidator(5), MaxValueValidator(120)],
    )

    class Meta:
        verbose_name = _("bokningsinställningar")

    @classmethod
    def load(cls) -> PracticeSettings:
        found, _created = cls.objects.get_or_create(pk=1)
        return found

    @property
    def notice(self) -> timedelta:
        return timedelta(hours=self.notice_hours)

    @property
    def horizon(self) -> timedelta:
        return timedelta(days=self.horizon_days)


class OpeningHours(models.Model):
    """A weekly opening interval in Stockholm wall-clock time."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("måndag")
        TUESDAY = 1, _("tisdag")
        WEDNESDAY = 2, _("onsdag")
        THURSDAY = 3, _("torsdag")
        FRIDAY = 4, _("fredag")
        SATURDAY = 5, _("lördag")
        SUNDAY = 6, _("söndag")

    weekday = models.PositiveSmallIntegerField(_("veckodag"), choices=Weekday.choices)
    start = models.TimeField(_("från"), default=time(9))
    end = models.TimeField(_("till"), default=time(17))

    class Meta:
        ordering = ["weekday", "start"]
        verbose_name = _("öppettid")
        verbose_name_plural = _("öppettider")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(start__lt=models.F("end")), name="opening_hours_start_before_end"
            )
        ]


class DayOff(models.Model):
    """A date with other hours than usual: closed all day, or open only between start and end."""

    day = models.DateField(_("datum"))
    start = models.TimeField(_("öppet från"), null=True, blank=True)
    end = models.TimeField(_("öppet till"), null=True, blank=True)
    note = models.CharField(_("anteckning"), max_length=100, blank=True)

    class Meta:
        ordering = ["day", "start"]
        verbose_name = _("avvikande dag")
        verbose_name_plural = _("avvikande dagar")

    @property
    def closed(self) -> bool:
        return self.start is None or self.end is None


class ZoomSync:
    """Booking.zoom_sync: whether Zoom has the booking's time (see booking.meetings)."""

    IN_STEP = ""
    PENDING = "pending"
    FAILED = "failed"


class Booking(models.Model):
    """A client's booking of a service; for video a time slot (UTC), for e-mail none."""

    class State(models.TextChoices):
        HELD = "held", _("Reserverad (väntar på betalning)")
        CONFIRMED = "confirmed", _("Bekräftad")
        CANCELLED = "cancelled", _("Avbokad")
        EXPIRED = "expired", _("Reservationen gick ut")
        NO_SHOW = "no_show", _("Uteblev")
        # An e-mail consultation whose replies or days have all been given (journal).
        COMPLETED = "completed", _("Genomförd")

    ACTIVE = (State.HELD, State.CONFIRMED)

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="bookings")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="bookings")
    order = models.OneToOneField(
        "payments.Order",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="booking",
    )
    created_at = models.DateTimeField(default=timezone.now)
    starts_at = models.DateTimeField(null=True, blank=True, db_index=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.HELD)
    hold_expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # An e-mail consultation's first reply: from then the service has begun, and a cancellation
    # gives back only the service's `answered_refund_percent` (selectors.refund_due).
    answered_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    language = models.CharField(max_length=2, default="sv")
    # Part of every signed link to this booking: a new nonce voids the old links.
    nonce = models.CharField(max_length=24, default=_nonce)
    zoom_meeting_id = models.CharField(max_length=32, blank=True)
    join_url = models.URLField(max_length=500, blank=True)
    # A moved booking's Zoom meeting must follow it (booking.meetings): "pending" until Zoom has
    # the new time, retried with backoff from zoom_sync_next_at; "failed" shows on her overview.
    zoom_sync = models.CharField(max_length=8, blank=True, default=ZoomSync.IN_STEP)
    zoom_sync_attempts = models.PositiveSmallIntegerField(default=0)
    zoom_sync_next_at = models.DateTimeField(null=True, blank=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    # The reminder before the session (booking.reminders); a move clears it.
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    # The reminder to pay a Bankgiro invoice before its due date (booking.changes).
    payment_reminder_sent_at = models.DateTimeField(null=True, blank=True)
    # The calendar file's SEQUENCE (RFC 5545): one up at each move and at a cancellation, so
    # the client's calendar replaces the event of the same UID instead of keeping the old one.
    ics_sequence = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("bokning")
        verbose_name_plural = _("bokningar")
        constraints = [
            # The database's guarantee against double booking: one active booking per start.
            models.UniqueConstraint(
                fields=["starts_at"],
                condition=models.Q(state__in=["held", "confirmed"]),
                name="booking_one_active_per_start",
            )
        ]
        indexes = [
            # The few bookings whose Zoom meeting is not in step (the sync job, her overview).
            models.Index(
                fields=["zoom_sync", "zoom_sync_next_at"],
                condition=~models.Q(zoom_sync=""),
                name="booking_zoom_sync_open",
            )
        ]

    def __str__(self) -> str:
        return f"Booking #{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.state in self.ACTIVE


class CalendarFeed(models.Model):
    """The coach's private calendar feed: a secret address her phone's calendar subscribes to.

    Only a hash of the secret is stored; revoking it (or making a new one) voids the address.
    """

    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("kalenderflöde")


class BusyCalendar(models.Model):
    """One of the coach's own calendars (Google, iCloud, Outlook), read for busy times.

    Its private ICS address is a secret (whoever has it reads her whole calendar): it is stored
    encrypted (booking/busy.py), shown only masked (``address_hint``), never logged. What a read
    finds is kept as BusyTime rows: start, end and busy/free, never a title or anything else.
    """

    label = models.CharField(_("namn"), max_length=60, blank=True)
    address_ciphertext = models.BinaryField()
    address_hint = models.CharField(max_length=80)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)  # the last attempt
    read_ok_at = models.DateTimeField(null=True, blank=True)  # the last successful read
    # Why the last read failed ("" when it worked): a code the settings page says in words.
    error = models.CharField(max_length=16, blank=True)
    error_status = models.PositiveSmallIntegerField(null=True, blank=True)  # an HTTP status
    busy_count = models.PositiveIntegerField(default=0)
    free_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("egen kalender")
        verbose_name_plural = _("egna kalendrar")


class BusyTime(models.Model):
    """A time in one of her own calendars: when, and whether it makes her busy (TRANSP)."""

    calendar = models.ForeignKey(BusyCalendar, on_delete=models.CASCADE, related_name="times")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    busy = models.BooleanField(default=True)  # TRANSP:OPAQUE; False for TRANSP:TRANSPARENT

    class Meta:
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["starts_at", "ends_at"], name="booking_busytime_span")]
