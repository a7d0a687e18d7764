"""Who actually received her data, and when (P24, GDPR art. 15.1 c): "Delat med".

The policy names every recipient the practice may use, per category (the policy page keeps that
list). Here each person reads only those that received HER data, from what happened: the
provider of each of her payments, Zoom for her Zoom meetings, Fortnox for vouchers posted about
her, the mail provider for mail sent to her. The apps above rights answer `rights.recipients_of`;
the mail app is below rights and is read directly (its send events in the audit log).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _

from consonance.lib.time import local_date
from consonance.mail.selectors import person_mail_span
from consonance.people.models import Person
from consonance.privacy.policy import get_policy
from consonance.rights import hooks
from consonance.rights.readable import date_text

# The policy's recipient for the business e-mail (the SMTP server mail to her leaves through).
MAIL_RECIPIENT = "email"
# The host of the site and its database holds everything about her for as long as it is kept.
HOSTING_RECIPIENT = "hosting"


@dataclass
class Shared:
    id: str
    name: str
    role: str
    service: str
    transfer_outside_eea: bool
    first: dt.datetime
    last: dt.datetime | None  # None: still (the host, as long as anything about her is kept)

    @property
    def when(self) -> str:
        """ "19 mars 2026", "19 mars 2026 till 2 april 2026", or "sedan 19 mars 2026" (the host)."""
        first = date_text(local_date(self.first))
        if self.last is None:
            return _("sedan %(date)s") % {"date": first}
        last = date_text(local_date(self.last))
        if last == first:
            return first
        return _("%(first)s till %(last)s") % {"first": first, "last": last}

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "role": self.role,
            "service": self.service,
            "transfer_outside_eea": self.transfer_outside_eea,
            "first": self.first.isoformat(),
            "last": self.last.isoformat() if self.last else None,
        }


def _uses(person: Person) -> list[hooks.RecipientUse]:
    uses = [use for answer in hooks.recipients_of.collect(person) for use in (answer or [])]
    mail = person_mail_span(person.pk)
    if mail:
        uses.append(hooks.RecipientUse(MAIL_RECIPIENT, *mail))
    return uses


def person_recipients(person: Person, *, language: str = "sv") -> list[Shared]:
    """Each recipient that received her data, with the first and last time, earliest first;
    the host first of all, since she became known, and still."""
    policy = get_policy()
    found: dict[str, Shared] = {}
    uses = _uses(person)
    if HOSTING_RECIPIENT in policy.recipients:
        uses.insert(0, hooks.RecipientUse(HOSTING_RECIPIENT, person.created_at, person.created_at))
    for use in uses:
        known = found.get(use.recipient)
        if known is not None:
            known.first = min(known.first, use.first)
            known.last = max(known.last, use.last) if known.last else None
            continue
        recipient = policy.recipients.get(use.recipient)
        if recipient is None:  # a handler names a recipient the policy does not: a bug
            raise KeyError(f"recipient {use.recipient!r} is not in the policy file")
        found[use.recipient] = Shared(
            id=use.recipient,
            name=recipient.name,
            role=recipient.role,
            service=recipient.service.get(language),
            transfer_outside_eea=recipient.transfer_outside_eea,
            first=use.first,
            last=None if use.recipient == HOSTING_RECIPIENT else use.last,
        )
    return sorted(found.values(), key=lambda s: (s.first, s.id))


def narrow_recipients(categories: list, shared: list[Shared]) -> list[Shared]:
    """Each category's recipients (the policy's, in `category_facts`) cut to those that
    actually received her data: her copy never names a provider she did not use. Returns
    `shared`."""
    received = {r.id for r in shared}
    for category in categories:
        category.recipients = [r for r in category.recipients if r["id"] in received]
    return shared
