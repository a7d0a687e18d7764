from __future__ import annotations

from consonance.privacy.registry import Holding, PersonalModel

PERSONAL_DATA = [
    PersonalModel(
        "contact.Message",
        subject="person",
        holdings=(
            Holding(
                "messages",
                fields=("body_ciphertext", "name_ciphertext"),
                clocks={"replied": "replied_at"},
            ),
        ),
        not_personal=(
            "person",
            "received_at",
            "replied_at",
            "source",
            "language",
            "moved_to_journal_at",
        ),
        encrypted={"body_ciphertext": "contact", "name_ciphertext": "contact"},
    ),
]

NOT_PERSONAL = {
    "contact.Attempt": (
        "keyed one-way hashes (HMAC-SHA256) of a sender's IP and e-mail address, kept one day for "
        "the contact form's rate limits: they cannot be turned back into the addresses"
    ),
    "contact.SpentChallenge": "the signature of a used proof-of-work challenge; random data",
}
