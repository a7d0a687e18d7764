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
]
