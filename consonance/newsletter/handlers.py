"""The newsletter's reactions to hooks of the apps below it (registered in NewsletterConfig.ready)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from consonance.newsletter.models import Subscription
from consonance.newsletter.selectors import newsletter_recipients
from consonance.newsletter.services import subscription_unsubscribe
from consonance.people import hooks as people_hooks
from consonance.people.models import Person
from consonance.rights import hooks as rights_hooks
from consonance.rights.models import Objection  # its Kind choices only

CONSENT = "newsletter"


def unsubscribe_on_objection(objection: rights_hooks.ObjectionMade) -> None:
    """An objection to direct marketing ends the subscription at once (P28)."""
    if objection.kind == Objection.Kind.DIRECT_MARKETING:
        subscription_unsubscribe(person=objection.person, actor=objection.actor, method="objection")


def unsubscribe_on_withdrawal(change: rights_hooks.ConsentChange) -> bool | None:
    """Withdrawing the newsletter consent unsubscribes (P9); other consents are not ours."""
    if change.consent != CONSENT:
        return None
    return subscription_unsubscribe(person=change.person, actor=change.actor)


def consents_held(person: Person) -> list[rights_hooks.HeldConsent]:
    subscription = Subscription.objects.filter(
        person=person, unsubscribed_at__isnull=True, stopped_at__isnull=True
    ).first()
    if subscription is None:
        return []
    return [rights_hooks.HeldConsent(consent=CONSENT, since=subscription.subscribed_at)]


def client_card(ask: people_hooks.CardAsk) -> people_hooks.CardSection:
    """Her subscription (or none), and whether the next newsletter would reach her."""
    return people_hooks.CardSection(
        position=50,
        anchor="nyhetsbrev",
        title=_("Nyhetsbrev"),
        template="newsletter/staff/_client_section.html",
        context={
            "subscription": Subscription.objects.filter(person=ask.person).first(),
            "receives": newsletter_recipients().filter(pk=ask.person.pk).exists(),
        },
    )


def register() -> None:
    rights_hooks.objection_made.register(unsubscribe_on_objection)
    rights_hooks.consent_withdrawn.register(unsubscribe_on_withdrawal)
    rights_hooks.consents_held.register(consents_held)
    people_hooks.client_card.register(client_card)
