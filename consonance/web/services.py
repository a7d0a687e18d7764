"""Writes of the web app: one atomic, audited function per change."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from consonance.audit.services import audit_append
from consonance.web.models import SitePage


def site_page_save(*, page: SitePage, actor: str) -> SitePage:
    """Save the coach's edit of a site page (its form's unsaved instance), audited."""
    with transaction.atomic():
        page.updated_at = timezone.now()
        page.save()
        audit_append(actor=actor, action="site_page.saved", detail={"page": page.pk})
    return page
