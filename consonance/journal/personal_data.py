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
        not_personal=(
            "person",
            "created_at",
            "kind",
            "consultation",
            "booking",
            "author",
            "root",
            "version",
            "superseded_at",
            "signed_at",
            "signed_by",
            "source",
            "message_id",
        ),
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
    PersonalModel(
        "journal.NoteAttachment",
        subject="person",
        holdings=(
            Holding(
                "journal",
                fields=("content_ciphertext",),
                clocks={"last_consultation": "person__last_consultation_at"},
            ),
        ),
        not_personal=("note", "person", "size"),
        encrypted={"content_ciphertext": "note"},
    ),
    # An e-mail consultation's frame (dates, state, how many exchanges): no text, which lives in
    # its notes. Kept with her, like her requests: exported, erased with her.
    PersonalModel(
        "journal.Consultation",
        subject="person",
        holdings=(),
        not_personal=(
            "person",
            "booking",
            "state",
            "opened_at",
            "ends_at",
            "exchanges",
            "completed_at",
            "awaiting_reply_since",
            "nonce",
        ),
    ),
    # The access log (P15) names who (staff id or the client herself), what (ids), when and from
    # where (the staff member's address, never the client's): it outlives a journal deletion, so
    # that the deletion itself stays on record, and goes with her when she is erased.
    PersonalModel(
        "journal.AccessEvent",
        subject="person",
        holdings=(),
        not_personal=("at", "actor", "action", "person", "note", "what", "origin"),
    ),
]

NOT_PERSONAL = {
    "journal.ConsultationTerms": "what an e-mail service gives (exchanges, days)",
}
