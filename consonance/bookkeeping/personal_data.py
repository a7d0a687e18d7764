from __future__ import annotations

from consonance.privacy.registry import Holding, PersonalModel

PERSONAL_DATA = [
    PersonalModel(
        "bookkeeping.Voucher",
        subject="person",
        holdings=(
            Holding("bookkeeping", fields=("payer_name",), clocks={"fiscal_year_end": "date"}),
        ),
        identifiers=("payer_name",),
        not_personal=(
            "series",
            "number",
            "date",
            "description",
            "amount",
            "order_reference",
            "person",
            "created_at",
        ),
    ),
]
