from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from consonance.privacy.registry import Holding, PersonalModel, Readable, Thing

PERSONAL_DATA = [
    PersonalModel(
        "newsletter.Subscription",
        subject="person",
        holdings=(
            Holding(
                "newsletter",
                fields=("subscribed_at", "confirmed_at", "unsubscribed_at", "stopped_at"),
                clocks={"unsubscribed": "unsubscribed_at", "newsletter_stopped": "stopped_at"},
            ),
        ),
        not_personal=("person",),
        things=(
            Thing(ngettext_lazy("%(count)d prenumeration", "%(count)d prenumerationer", "count")),
        ),
        readable=Readable(
            heading=_("Prenumeration"),
            labels={
                "subscribed_at": _("Anmäld"),
                "confirmed_at": _("Bekräftad"),
                "unsubscribed_at": _("Avregistrerad"),
                "stopped_at": _("Avslutad när nyhetsbrevet upphörde"),
            },
        ),
    ),
    PersonalModel(
        "newsletter.Delivery",
        subject="person",
        holdings=(
            Holding(
                "newsletter",
                fields=("state", "sent_at"),
                clocks={
                    "unsubscribed": "person__subscription__unsubscribed_at",
                    "newsletter_stopped": "person__subscription__stopped_at",
                },
            ),
        ),
        not_personal=("person", "campaign"),
        things=(
            Thing(
                ngettext_lazy(
                    "%(count)d nyhetsbrev skickat till dig",
                    "%(count)d nyhetsbrev skickade till dig",
                    "count",
                ),
                where={"state": "sent"},
            ),
        ),
        readable=Readable(
            heading=_("Nyhetsbrev till dig"),
            labels={"campaign": _("Nyhetsbrev"), "state": _("Läge"), "sent_at": _("Skickat")},
            values={
                "state": {
                    "pending": _("väntar på att skickas"),
                    "sent": _("skickat"),
                    "skipped": _("inte skickat"),
                    "failed": _("kunde inte skickas"),
                }
            },
        ),
    ),
]

NOT_PERSONAL = {
    "newsletter.Campaign": "the newsletter's text and sending state; no one's data",
    "newsletter.NewsletterState": "whether the newsletter runs, and since when it stopped",
}
