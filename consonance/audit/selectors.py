"""Reads of the audit app."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Max, Min

from consonance.audit.models import Event, Verification


def audit_latest_verification() -> Verification | None:
    return Verification.objects.order_by("-at", "-pk").first()


def audit_span(*, subject_id: int, action: str) -> tuple[datetime, datetime] | None:
    """When `action` first and last happened to this subject, or None if it never did."""
    span = Event.objects.filter(subject_id=subject_id, action=action).aggregate(
        first=Min("at"), last=Max("at")
    )
    return (span["first"], span["last"]) if span["first"] else None
