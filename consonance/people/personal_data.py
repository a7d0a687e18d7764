from __future__ import annotations

from consonance.privacy.registry import Holding, PersonalModel

PERSONAL_DATA = [
    PersonalModel(
        "people.Person",
        subject="",
        holdings=(
            Holding(
                "contact_details",
                fields=("email", "first_name", "last_name"),
                clocks={"last_contact": "last_contact_at"},
            ),
        ),
        identifiers=("email", "first_name", "last_name"),
        not_personal=("language", "created_at", "last_contact_at", "last_consultation_at"),
    ),
    PersonalModel(
        "people.MemberProfile",
        subject="person",
        holdings=(
            Holding(
                "member_account",
                # That she has an account; her private fields are in accounts.PrivateVault,
                # encrypted in her browser (P4).
                fields=("created_at",),
                clocks={"account_deletion": "deletion_requested_at"},
            ),
        ),
        not_personal=("person", "user", "deletion_requested_at"),
    ),
]

NOT_PERSONAL = {
    "people.PersonKey": "key material only; deleting it erases the person's ciphertexts",
}
