"""The rights app's answers to hooks declared below it, registered in RightsConfig.ready()."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from consonance.lib import overview
from consonance.lib.i18n import current_language
from consonance.people import hooks as people_hooks
from consonance.people.selectors import persons_read
from consonance.rights.dates import person_deletion_dates
from consonance.rights.models import Request
from consonance.rights.selectors import (
    person_active_restriction,
    person_has_objected,
    person_requests,
    requests_open,
)


def _kinds() -> dict[str, str]:
    """The kinds' labels, translated once (get_kind_display translates every choice each call)."""
    return {kind: str(label) for kind, label in Request.Kind.choices}


def waiting_requests(query: overview.OverviewQuery) -> list[overview.Waiting]:
    """Open rights requests, with their legal deadline (a first name at most)."""
    url = reverse("rights_staff:index")
    group, kinds = _("Begäran att hantera"), _kinds()
    return [
        overview.Waiting(
            group=group,
            text=f"{kinds[request.kind]}: {request.person.first_name if request.person else ''}"
            + (f" · {request.stalled}" if request.stalled else ""),
            url=url,
            due_at=request.due_at,
            overdue=request.due_at < query.now,
            person_id=request.person_id,
        )
        for request in persons_read(list(requests_open().order_by("due_at", "pk")[: query.limit]))
    ]


# -- the coach's client list and card (people.hooks) -------------------------------------------


def client_ids(_ask: None) -> Q:
    return Q(pk__in=Request.objects.filter(person__isnull=False).values("person_id"))


def _request_item(request: Request, now: datetime, kinds: dict[str, str]) -> people_hooks.OpenItem:
    return people_hooks.OpenItem(
        _("Begäran: %(kind)s") % {"kind": kinds[request.kind]},
        request.due_at,
        overdue=request.due_at < now,
    )


def clients_open(ask: people_hooks.ClientsAsk) -> dict[int, list[people_hooks.OpenItem]]:
    """Per person: her open requests, with their legal deadline."""
    found: dict[int, list[people_hooks.OpenItem]] = {}
    kinds = _kinds()
    for request in Request.objects.filter(
        person_id__in=ask.person_ids, state=Request.State.OPEN
    ).only("person_id", "kind", "due_at"):
        assert request.person_id is not None  # filtered on it
        found.setdefault(request.person_id, []).append(_request_item(request, ask.now, kinds))
    return found


def _deleted(category: str, action: str) -> str:
    if action == "anonymise":
        return _("%(category)s anonymiseras") % {"category": category}
    if action == "keep_only":
        return _("%(category)s rensas delvis") % {"category": category}
    return _("%(category)s raderas") % {"category": category}


def client_card(ask: people_hooks.CardAsk) -> people_hooks.CardSection:
    """Her requests with their deadlines, a restriction or objection in force, and when each kind
    of data held about her is deleted (from the registry and the policy's retention rules)."""
    person = ask.person
    requests = list(person_requests(person.pk))
    # Her deletion dates from one planned statement, not a read of her rows in every table.
    categories = person_deletion_dates(person, language=current_language())
    kinds = _kinds()
    deadlines = [
        _request_item(r, ask.now, kinds) for r in requests if r.state == Request.State.OPEN
    ]
    deadlines += [
        people_hooks.OpenItem(_deleted(c.name, end.rule.action), end.until)
        for c in categories
        for end in c.until
        if end.until is not None
    ]
    return people_hooks.CardSection(
        position=40,
        anchor="integritet",
        title=_("Integritet och lagring"),
        template="rights/staff_client_section.html",
        context={
            "requests": requests,
            "restriction": person_active_restriction(person.pk),
            "objected": person_has_objected(person.pk),
            "categories": categories,
        },
        deadlines=tuple(deadlines),
    )


def register() -> None:
    overview.waiting.register(waiting_requests)
    people_hooks.clients_known.register(client_ids)
    people_hooks.clients_open.register(clients_open)
    people_hooks.client_card.register(client_card)
