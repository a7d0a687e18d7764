"""Error reports without personal data: by e-mail to CONSONANCE_ADMINS, and to Sentry when
CONSONANCE_SENTRY_DSN is set.

Django's own AdminEmailHandler attaches the request to every report (POST data, cookies, every
header, the query string) and the local variables of each frame: a client's address, name or
message would go out by e-mail with the first crash. Here a report holds where it happened (the
method and the view's name: never the path, which may carry a signed link), the exception's type
and message and its stack trace without variables. The same handler reports failed background
tasks (Django logs them on "django.tasks" with the exception); the task's arguments, which may
hold ids or addresses, are left out the same way.
"""

from __future__ import annotations

import logging
import re
import traceback
from typing import Any

import sentry_sdk
from django.core.mail import mail_admins
from sentry_sdk.types import Event

# Sentry event keys that may carry personal data: the request (body, cookies, headers, query),
# the user, breadcrumbs (log lines and SQL), and any extra context.
_SENTRY_DROPPED = ("request", "user", "breadcrumbs", "extra", "server_name")
# An exception's message may quote a value (a database's "Key (email)=(…) already exists").
_ADDRESS = re.compile(r"[^\s@()<>\[\]'\"=,;:]+@[^\s@()<>\[\]'\"=,;:]+")


def masked(text: str) -> str:
    """The text with every e-mail address replaced by a placeholder."""
    return _ADDRESS.sub("[address]", text)


def _where(record: logging.LogRecord) -> str:
    request = getattr(record, "request", None)
    if request is None:
        return record.getMessage()
    match = getattr(request, "resolver_match", None)
    view = match.view_name if match else "an unknown address"
    return f"{request.method} {view} (status {getattr(record, 'status_code', '?')})"


def report_text(record: logging.LogRecord) -> tuple[str, str]:
    """(subject, body) of the report of one log record."""
    where = _where(record)
    lines = [
        "An error report from Consonance. Personal data is left out: no request body, cookies,",
        "headers, query string, task arguments or local variables.",
        "",
        f"Where: {where}",
        f"Logger: {record.name}",
    ]
    if record.exc_info and record.exc_info[0] is not None:
        kind, error, _trace = record.exc_info
        trace = traceback.format_exception(error)
        lines += [f"Exception: {kind.__name__}: {masked(str(error))}", "", *map(masked, trace)]
        subject = f"{record.levelname}: {kind.__name__} in {where}"
    else:
        subject = f"{record.levelname}: {where}"
    # One line: a mail subject has no line breaks.
    return " ".join(subject.split())[:200], "\n".join(line.rstrip("\n") for line in lines)


class PrivateAdminEmailHandler(logging.Handler):
    """Mails each error to settings.ADMINS directly (not through the outbox: the outbox may be
    what is broken), with `report_text` instead of Django's full report."""

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(record, "request", None) is not None and not record.exc_info:
            return  # a page that answers 5xx on purpose (a gateway's 502) is no crash
        try:
            subject, body = report_text(record)
            mail_admins(subject, body)
        except Exception:  # a report must never break the request or the worker
            self.handleError(record)


def sentry_scrub(event: Event, hint: dict[str, Any]) -> Event:
    """Sentry's before_send: the event without request, user, breadcrumbs or frame variables,
    and without e-mail addresses in exception messages."""
    for key in _SENTRY_DROPPED:
        event.pop(key, None)  # type: ignore[misc]
    for exception in (event.get("exception") or {}).get("values") or []:
        if isinstance(exception.get("value"), str):
            exception["value"] = masked(exception["value"])
        for frame in (exception.get("stacktrace") or {}).get("frames") or []:
            frame.pop("vars", None)
    for thread in (event.get("threads") or {}).get("values") or []:
        for frame in (thread.get("stacktrace") or {}).get("frames") or []:
            frame.pop("vars", None)
    return event


def sentry_start(dsn: str, environment: str) -> None:
    """Send errors (and failed tasks, logged at ERROR) to Sentry, scrubbed of personal data."""
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        # No `send_default_pii`: its default is off (and sentry-sdk 2.76 deprecates the name);
        # `sentry_scrub` removes what the defaults would still send.
        include_local_variables=False,
        max_request_body_size="never",
        traces_sample_rate=0,
        before_send=sentry_scrub,
    )
