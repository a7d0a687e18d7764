from __future__ import annotations

from consonance.privacy.registry import Holding, PersonalModel

PERSONAL_DATA = [
    PersonalModel(
        "journal.Note",
        subject="person",
        holdings=(
            Holding(
                "journal",
                fields=("body_ciphertext",),
                clocks={"last_consultation": "person__last_consultation_at"},
            ),
        ),
        not_personal=("person", "created_at"),
        encrypted={"body_ciphertext": "note"},
    ),
    PersonalModel(
        "journal.ConsultationMessage",
        subject="person",
        holdings=(
            Holding(
                "email_consultation",
                fields=("body_ciphertext",),
                clocks={"moved_to_journal": "moved_to_journal_at"},
            ),
        ),
        not_personal=("person", "direction", "received_at", "moved_to_journal_at"),
        encrypted={"body_ciphertext": "consultation"},
    ),
]
