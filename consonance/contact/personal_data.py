from __future__ import annotations

from consonance.privacy.registry import Holding, PersonalModel

PERSONAL_DATA = [
    PersonalModel(
        "contact.Message",
        subject="person",
        holdings=(
            Holding("messages", fields=("body_ciphertext",), clocks={"replied": "replied_at"}),
        ),
        not_personal=("person", "received_at", "replied_at"),
        encrypted={"body_ciphertext": "contact"},
    ),
]
