"""Writes for the coach's practice settings: services and prices, booking settings, opening
hours and days off. Each saves the validated form (forms.py) and its audit row (ids only) in one
transaction, durable (only the pages call them: see services.py); the pages are in
staff_views.py."""

from __future__ import annotations

from django.db import transaction
from django.forms import BaseModelFormSet

from consonance.audit.services import audit_append
from consonance.booking.forms import (
    DayOffForm,
    OpeningHoursForm,
    PracticeSettingsForm,
    ServiceForm,
)
from consonance.booking.models import DayOff, OpeningHours, Service


def service_save(*, form: ServiceForm, actor: str) -> Service:
    with transaction.atomic(durable=True):
        service = form.save()
        audit_append(actor=actor, action="service.saved", detail={"service": service.pk})
    return service


def practice_settings_save(*, form: PracticeSettingsForm, actor: str) -> None:
    with transaction.atomic(durable=True):
        form.save()
        audit_append(actor=actor, action="booking_settings.saved", detail=None)


def opening_hours_save(
    *, formset: BaseModelFormSet[OpeningHours, OpeningHoursForm], actor: str
) -> None:
    with transaction.atomic(durable=True):
        formset.save()
        audit_append(actor=actor, action="opening_hours.saved", detail=None)


def day_off_add(*, form: DayOffForm, actor: str) -> DayOff:
    with transaction.atomic(durable=True):
        day = form.save()
        audit_append(actor=actor, action="day_off.added", detail={"day_off": day.pk})
    return day


def day_off_remove(*, day: DayOff, actor: str) -> None:
    with transaction.atomic(durable=True):
        audit_append(actor=actor, action="day_off.removed", detail={"day_off": day.pk})
        day.delete()
