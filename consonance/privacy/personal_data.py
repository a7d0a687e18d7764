from __future__ import annotations

from consonance.privacy.registry import Holding, PersonalModel

PERSONAL_DATA = [
    PersonalModel(
        "privacy.RetentionAgreement",
        subject="person",
        # The reason is written by the coach about one client: it goes with her contact details
        # (and so it is exported, erased and deleted with them).
        holdings=(
            Holding(
                "contact_details",
                fields=("reason",),
                clocks={"last_contact": "person__last_contact_at"},
            ),
        ),
        not_personal=("person", "rule_id", "until", "created_by", "created_at", "ended_at"),
    ),
    PersonalModel(
        "privacy.LegalHold",
        subject="person",
        holdings=(
            Holding(
                "contact_details",
                fields=("reason",),
                clocks={"last_contact": "person__last_contact_at"},
            ),
        ),
        not_personal=(
            "person",
            "category",
            "until",
            "created_by",
            "created_at",
            "lifted_at",
        ),
    ),
]

NOT_PERSONAL = {
    "privacy.RetentionRun": "counts per rule and run of the retention engine; no values, no ids",
    "privacy.HolidayPeriod": "the practice's holiday dates and which staff account set them",
}
