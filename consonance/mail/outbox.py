"""Queueing e-mail: the one way the site sends mail.

    mail_queue(to=..., template="booking_confirmed", context={...}, language="sv", person_id=...)

renders `mail/<template>_subject.txt`, `mail/<template>.txt` and (optional) `mail/<template>.html`
in the recipient's language (without an HTML template the HTML part is made from the text, see
htmlpart.py: every message goes as text plus simple HTML), stores the message in the caller's
transaction and, once that transaction commits, hands its id to the worker (tasks.mail_send_task),
which sends it with retries and never twice. A rolled-back transaction sends nothing. The periodic
job "mail-flush" picks up anything the worker could not send yet, so a message is not lost when
the SMTP server is down or the worker restarts.

Addresses on the suppression list (an erased person's, a hard bounce) get nothing: mail_queue
returns None. The list holds keyed hashes only (see models.Suppression).
"""

from __future__ import annotations

import base64
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import make_msgid
from django.core.validators import validate_email
from django.db import transaction
from django.template import Context, Engine, TemplateDoesNotExist
from django.template.loader import get_template
from django.utils import timezone, translation

from consonance.audit.services import SYSTEM, audit_append
from consonance.lib.text import normalise_email
from consonance.mail import tasks
from consonance.mail.htmlpart import derived_html
from consonance.mail.models import CATEGORY, OutboxMessage
from consonance.mail.suppression import (
    address_hash,
    mail_is_suppressed,
    mail_suppress,
    mail_unsuppress,
)
from consonance.people.selectors import person_by_email
from consonance.privacy.mail_types import MailPurposeRefused, mail_purpose
from consonance.privacy.policy import get_policy

log = logging.getLogger("consonance.mail")

__all__ = [
    "MailPurposeRefused",
    "address_hash",
    "mail_forget",
    "mail_is_suppressed",
    "mail_queue",
    "mail_readdress",
    "mail_render",
    "mail_retry",
    "mail_suppress",
    "mail_unsuppress",
]

_TEMPLATE_NAME = re.compile(r"^[a-z0-9_/]+$")


@dataclass(frozen=True, slots=True)
class RenderedMail:
    subject: str
    text: str
    html: str  # mail/<template>.html, or else made from the text (htmlpart.derived_html)


# --------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------


def _base_context(language: str) -> dict:
    policy = get_policy()
    return {
        "site_url": settings.SITE_URL,
        "site_name": policy.controller.name,
        "controller": policy.controller,
        "language": language,
    }


def _render(name: str, context: Mapping, *, plain: bool) -> str:
    if plain:
        # Text bodies and subjects are not HTML: no escaping of & < > ' ".
        template = Engine.get_default().get_template(name)
        return template.render(Context(dict(context), autoescape=False))
    return get_template(name).render(dict(context))


def mail_render(*, template: str, context: Mapping, language: str = "sv") -> RenderedMail:
    """Render a message's subject, text and HTML body in `language` (without queueing it)."""
    if not _TEMPLATE_NAME.match(template):
        raise ValueError(f"bad mail template name {template!r}")
    full = {**_base_context(language), **context}
    with translation.override(language), timezone.override(settings.TIME_ZONE):
        subject = _render(f"mail/{template}_subject.txt", full, plain=True)
        text = _render(f"mail/{template}.txt", full, plain=True)
        # A subject is one line: templates may wrap it for readability.
        subject = " ".join(subject.split())
        text = text.strip() + "\n"
        try:
            html = _render(f"mail/{template}.html", full, plain=False)
        except TemplateDoesNotExist:
            html = derived_html(text=text, subject=subject, context=full)
    return RenderedMail(subject, text, html.strip())


# --------------------------------------------------------------------------------------------
# Queueing
# --------------------------------------------------------------------------------------------


def _check_headers(headers: Mapping[str, str]) -> dict[str, str]:
    clean: dict[str, str] = {}
    for name, value in headers.items():
        if not isinstance(name, str) or not isinstance(value, str):
            raise TypeError("mail headers must be str: str")
        if not re.fullmatch(r"[A-Za-z0-9-]+", name) or "\r" in value or "\n" in value:
            raise ValueError(f"bad mail header {name!r}")
        if name.lower() in {
            "to",
            "from",
            "cc",
            "bcc",
            "subject",
            "message-id",
            "x-consonance-mail",
        }:
            raise ValueError(f"mail header {name!r} is set by the outbox")
        clean[name] = value
    return clean


def _message_id() -> str:
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or None
    return make_msgid(domain=domain)


def _recipient(to: str, purpose: str, person_id: int | None) -> int | None:
    """Whose message this is: the person the caller names or, for mail to a client (the
    purpose's audience), the person with this address, so that her export and erasure reach
    every message to her. Mail to the coach (audience "coach": her notices, an outbox test) has
    no data subject and stays unlinked: it is about her work, and an address of hers that a
    Person also has must not pull her clients' notices into that person's copy. An address
    no person has (a newsletter sign-up not yet confirmed, an erased person's receipt) stays
    unlinked too: no Person is made for an address nobody proved, and the message goes once it
    is sent (rule sent-email-after-sending; erasure forgets unlinked messages to the address)."""
    if person_id is not None:
        return person_id
    reason = get_policy().communication.get(purpose)
    if reason is None or reason.audience != "client":
        return None
    known = person_by_email(to)
    return known.pk if known is not None else None


def _enqueue(message_id: int) -> None:
    tasks.mail_send_task.enqueue(message_id)


def mail_queue(
    *,
    to: str,
    template: str,
    context: dict,
    language: str = "sv",
    person_id: int | None = None,
    attachments: Sequence[tuple[str, bytes, str]] = (),
    headers: dict[str, str] | None = None,
    bypass_suppression: bool = False,
) -> OutboxMessage | None:
    """Queue one e-mail to `to`, sent after the caller's transaction commits.

    Returns the stored OutboxMessage, or None (nothing queued) when the address is suppressed
    and `bypass_suppression` is False. Raises MailPurposeRefused (a ValueError) when the template
    declares no purpose of the policy's [communication] list (P20), ValueError for an invalid
    address or header, and TemplateDoesNotExist when the subject or text template is missing.
    """
    purpose = mail_purpose(template, get_policy())  # before anything else: nothing unlisted goes
    to = to.strip()
    try:
        validate_email(to)
    except ValidationError:
        raise ValueError("not a valid e-mail address") from None
    if language not in {code for code, _ in settings.LANGUAGES}:
        raise ValueError(f"unknown language {language!r}")
    if not bypass_suppression and mail_is_suppressed(to):
        log.info("mail %s to person %s not queued: address suppressed", template, person_id)
        return None
    rendered = mail_render(template=template, context=context, language=language)
    person_id = _recipient(to, purpose, person_id)
    stored_attachments = [
        {
            "filename": filename,
            "mimetype": mimetype,
            "content": base64.b64encode(
                content.encode() if isinstance(content, str) else content
            ).decode("ascii"),
        }
        for filename, content, mimetype in attachments
    ]
    with transaction.atomic():
        message = OutboxMessage.objects.create(
            recipient=to,
            subject=rendered.subject,
            body_text=rendered.text,
            body_html=rendered.html,
            headers=_check_headers(headers or {}),
            attachments=stored_attachments,
            language=language,
            template=template,
            purpose=purpose,
            person_id=person_id,
            bypass_suppression=bypass_suppression,
            message_id=_message_id(),
        )
        audit_append(
            actor=SYSTEM,
            action="mail.queued",
            subject_id=person_id,
            category=CATEGORY,
            detail={"message": message.pk, "template": template, "purpose": purpose},
        )
        pk = message.pk
        # robust: a failure to enqueue must not break the caller's request; "mail-flush" finds
        # the message within a minute anyway.
        transaction.on_commit(lambda: _enqueue(pk), robust=True)
    return message


def mail_retry(*, message_id: int, actor: str, confirm_unknown: bool = False) -> bool:
    """Send a failed message again (the coach's "retry"); True when it was put back in the queue.

    A message whose delivery is unknown (the worker was interrupted while sending it) may
    already have been delivered: it is sent again only with `confirm_unknown=True`, the coach's
    explicit confirmation (it keeps its Message-ID, so most mail programs show a duplicate as
    one message).
    """
    states = [OutboxMessage.State.FAILED]
    if confirm_unknown:
        states.append(OutboxMessage.State.UNKNOWN)
    with transaction.atomic(durable=True):  # the staff page only: never inside another
        message = (
            OutboxMessage.objects.select_for_update()
            .filter(pk=message_id, state__in=states)
            .first()
        )
        if message is None:
            return False
        message.state = OutboxMessage.State.QUEUED
        message.attempts = 0
        message.next_attempt_at = timezone.now()
        message.claimed_at = None
        message.save(update_fields=["state", "attempts", "next_attempt_at", "claimed_at"])
        audit_append(
            actor=actor,
            action="mail.retried",
            subject_id=message.person_id,
            category=CATEGORY,
            detail={"message": message.pk},
        )
        transaction.on_commit(lambda: _enqueue(message_id), robust=True)
    return True


def mail_forget(*, email: str, actor: str = SYSTEM, unlinked_only: bool = False) -> int:
    """Delete every outbox message to `email`, whatever its state or person link (for erasure:
    call it before queueing the receipt); `unlinked_only`: only those linked to nobody (an
    address she had before). Returns how many were deleted.

    The outbox is kept small by the purge, so the case-insensitive match is a short scan.
    """
    found = OutboxMessage.objects.filter(recipient=email.strip())
    if unlinked_only:
        found = found.filter(person__isnull=True)
    with transaction.atomic():
        deleted, _ = found.delete()
        if deleted:
            audit_append(
                actor=actor, action="mail.forgotten", category=CATEGORY, detail={"count": deleted}
            )
    return deleted


def mail_readdress(*, person_id: int, old: str, new: str) -> int:
    """She confirmed a new address: her messages still waiting to go to the old one go to the new
    one instead (every later mail reaches her where she is now). Returns how many moved."""
    with transaction.atomic():
        waiting = list(
            OutboxMessage.objects.select_for_update().filter(
                person_id=person_id, recipient=old.strip(), state=OutboxMessage.State.QUEUED
            )
        )
        for message in waiting:  # encrypted under her key: row by row, not by update()
            message.recipient = normalise_email(new)
            message.save(update_fields=["recipient"])
        moved = len(waiting)
        if moved:
            audit_append(
                actor=SYSTEM,
                action="mail.readdressed",
                category=CATEGORY,
                subject_id=person_id,
                detail={"count": moved},
            )
    return moved
