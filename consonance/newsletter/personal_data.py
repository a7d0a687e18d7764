from __future__ import annotations

from consonance.privacy.registry import Holding, PersonalModel

PERSONAL_DATA = [
    PersonalModel(
        "newsletter.Subscription",
        subject="person",
        holdings=(
            Holding(
                "newsletter",
                fields=("subscribed_at", "confirmed_at", "unsubscribed_at"),
                clocks={"unsubscribed": "unsubscribed_at"},
            ),
        ),
        not_personal=("person",),
    ),
    PersonalModel(
        "newsletter.Delivery",
        subject="person",
        holdings=(
            Holding(
                "newsletter",
                fields=("state", "sent_at"),
                clocks={"unsubscribed": "person__subscription__unsubscribed_at"},
            ),
        ),
        not_personal=("person", "campaign"),
    ),
]

NOT_PERSONAL = {
    "newsletter.Campaign": "the newsletter's text and sending state; no one's data",
}
