from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from consonance.privacy.registry import Holding, PersonalModel, Readable, Thing

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
        things=(
            Thing(
                ngettext_lazy(
                    "%(count)d överenskommelse om längre lagring",
                    "%(count)d överenskommelser om längre lagring",
                    "count",
                )
            ),
        ),
        readable=Readable(
            heading=_("Överenskommelser om längre lagring"),
            labels={
                "created_at": _("Gjord"),
                "reason": _("Skäl"),
                "until": _("Gäller till"),
                "ended_at": _("Upphörde"),
            },
        ),
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
        things=(
            Thing(
                ngettext_lazy(
                    "%(count)d spärr mot radering", "%(count)d spärrar mot radering", "count"
                )
            ),
        ),
        readable=Readable(
            heading=_("Spärrar mot radering"),
            labels={
                "created_at": _("Gjord"),
                "reason": _("Skäl"),
                "until": _("Gäller till"),
                "lifted_at": _("Hävd"),
            },
        ),
    ),
]

NOT_PERSONAL = {
    "privacy.RetentionRun": "counts per rule and run of the retention engine; no values, no ids",
    "privacy.HolidayPeriod": "the practice's holiday dates and which staff account set them",
}
