from __future__ import annotations

from consonance.privacy.registry import Holding, PersonalModel

PERSONAL_DATA = [
    PersonalModel(
        "consent.ConsentRecord",
        subject="person",
        holdings=(
            Holding(
                "consents",
                fields=("purpose", "action", "text", "version", "method", "at", "ended_at"),
                clocks={"consent_ended": "ended_at"},
            ),
        ),
        not_personal=("person", "visitor"),
    ),
]

NOT_PERSONAL = {
    "consent.ConsentText": "the wordings shown when asking for consent; no one's data",
}
