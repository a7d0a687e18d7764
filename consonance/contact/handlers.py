"""The contact app's answers to hooks declared below it, registered in ContactConfig.ready()."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from consonance.contact import inbound, selectors
from consonance.lib import overview
from consonance.mail import hooks as mail_hooks
from consonance.people import hooks as people_hooks


def waiting_messages(query: overview.OverviewQuery) -> list[overview.Waiting]:
    """Open conversations against their 48 hours (P17), extended by holidays."""
    queue = reverse("contact_staff:index")  # a conversation's page is "<person id>/" below it
    group = _("Meddelande att besvara")
    return [
        overview.Waiting(
            group=group,
            text=conversation.person.first_name,
            url=f"{queue}{conversation.person.pk}/",
            due_at=conversation.due_at,
            overdue=conversation.overdue,
            person_id=conversation.person.pk,
        )
        for conversation in selectors.conversations_open(now=query.now)[: query.limit]
    ]


def _message_item(conversation: selectors.Conversation) -> people_hooks.OpenItem:
    return people_hooks.OpenItem(
        _("Meddelande att besvara"), conversation.due_at, overdue=conversation.overdue
    )


def clients_open(ask: people_hooks.ClientsAsk) -> dict[int, list[people_hooks.OpenItem]]:
    return {
        conversation.person.pk: [_message_item(conversation)]
        for conversation in selectors.conversations_open(
            now=ask.now, person_ids=ask.person_ids, known=ask.people
        )
    }


def client_card(ask: people_hooks.CardAsk) -> people_hooks.CardSection | None:
    """Her unanswered messages: how many, and by when she must have her answer."""
    found = selectors.conversations_open(
        now=ask.now, person_ids=(ask.person.pk,), known=(ask.person,)
    )
    if not found:
        return None
    return people_hooks.CardSection(
        position=35,
        anchor="meddelanden",
        title=_("Meddelanden"),
        template="contact/staff/_client_section.html",
        context={"conversation": found[0]},
        deadlines=(_message_item(found[0]),),
    )


def register() -> None:
    mail_hooks.inbound_unclaimed.register(inbound.file_unclaimed)
    overview.waiting.register(waiting_messages)
    people_hooks.clients_open.register(clients_open)
    people_hooks.client_card.register(client_card)
