"""The mail app's answers to hooks declared below it, registered in MailConfig.ready()."""

from __future__ import annotations

from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _

from consonance.lib import overview
from consonance.lib.time import STOCKHOLM
from consonance.mail.hooks import PARKED_TOO_LARGE
from consonance.mail.parking import parked_path
from consonance.mail.selectors import parked_recent


def megabytes(size: int | None) -> str:
    return formats.number_format((size or 0) / 1_000_000, 1) + " MB"


def waiting_parked(query: overview.OverviewQuery) -> list[overview.Waiting]:
    """A message the ingestion could not read in (issue 21): she reads it in her mail program."""
    group = _("Mejl som inte lästes in")
    items = []
    for row in parked_recent(now=query.now)[: query.limit]:
        when = formats.date_format(row.at.astimezone(STOCKHOLM), "j F Y")
        text = (
            _("%(size)s, %(date)s: för stort, ligger i mappen ”%(folder)s”")
            if row.outcome == PARKED_TOO_LARGE
            else _("%(size)s, %(date)s: kunde inte läsas, ligger i mappen ”%(folder)s”")
        )
        text = text % {"size": megabytes(row.size), "date": when, "folder": parked_path(row)}
        items.append(overview.Waiting(group=group, text=text, url=reverse("mail_staff:outbox")))
    return items


def register() -> None:
    overview.waiting.register(waiting_parked)
