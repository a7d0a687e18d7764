"""Reads of the audit app."""

from __future__ import annotations

from consonance.audit.models import Verification


def audit_latest_verification() -> Verification | None:
    return Verification.objects.order_by("-at", "-pk").first()
