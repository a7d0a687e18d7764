from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from consonance.lib.text import normalise_email, normalise_name, normalise_phone
from consonance.payments import methods
from consonance.privacy.registry import Holding, PersonalModel, Readable, Thing


class _ProviderNames(dict):
    """A provider's own name in her export ("Stripe"), read from the table of methods when asked
    (the declarations are made at import, before the providers have registered their rows)."""

    def get(self, key: Any, default: Any = None) -> Any:
        if key == "manual":
            return _("för hand")  # a refund the coach paid from her bank account
        row = methods.of_provider(key)
        return row.display_name if row is not None else default

    def __getitem__(self, key: Any) -> Any:
        found = self.get(key)
        if found is None:
            raise KeyError(key)
        return found


_PROVIDERS = _ProviderNames()

PERSONAL_DATA = [
    PersonalModel(
        "payments.Order",
        subject="person",
        holdings=(
            Holding(
                "orders",
                fields=("payer_name", "payer_email", "card_last4", "card_expiry"),
                clocks={"order_placed": "created_at"},
            ),
        ),
        identifiers=("payer_name", "payer_email"),
        normalise={"payer_name": normalise_name, "payer_email": normalise_email},
        not_personal=(
            "amount_paid",
            "amount_refunded",
            "provider_ref",
            "payment_ref",
            "ocr_reference",
            "due_date",
            "reference",
            "person",
            "created_at",
            "method",
            "status",
            "description",
            "description_en",
            "amount",
            "currency",
            "vat_rate",
        ),
        things=(Thing(ngettext_lazy("%(count)d beställning", "%(count)d beställningar", "count")),),
        readable=Readable(
            heading=_("Beställningar"),
            labels={
                "created_at": _("Beställd"),
                "reference": _("Ordernummer"),
                "description": _("Vad"),
                "amount": _("Belopp"),
                "method": _("Betalsätt"),
                "status": _("Läge"),
                "amount_paid": _("Betalt"),
                "amount_refunded": _("Återbetalt"),
                "ocr_reference": _("OCR-nummer"),
                "due_date": _("Sista betalningsdag"),
                "payer_name": _("Betalare"),
                "payer_email": _("E-postadress"),
                "card_last4": _("Kortets fyra sista siffror"),
                "card_expiry": _("Kortets utgångsdatum"),
            },
        ),
    ),
    PersonalModel(
        "payments.BillingDetails",
        subject="person",
        holdings=(
            Holding(
                "billing_details",
                fields=(
                    "first_name",
                    "last_name",
                    "email",
                    "street_address",
                    "postal_code",
                    "city",
                    "phone",
                ),
                clocks={"booking": "collected_at", "order_placed": "order__created_at"},
            ),
        ),
        identifiers=("first_name", "last_name", "email", "phone", "street_address"),
        normalise={
            "first_name": normalise_name,
            "last_name": normalise_name,
            "email": normalise_email,
            "phone": normalise_phone,
            "street_address": normalise_name,
        },
        not_personal=("order", "person", "collected_at"),
        things=(
            Thing(
                ngettext_lazy(
                    "uppgifter till %(count)d beställning",
                    "uppgifter till %(count)d beställningar",
                    "count",
                )
            ),
        ),
        readable=Readable(
            heading=_("Faktureringsuppgifter"),
            labels={
                "collected_at": _("Lämnade"),
                "first_name": _("Förnamn"),
                "last_name": _("Efternamn"),
                "email": _("E-postadress"),
                "street_address": _("Gatuadress"),
                "postal_code": _("Postnummer"),
                "city": _("Ort"),
                "phone": _("Telefon"),
            },
        ),
    ),
    PersonalModel(
        "payments.OrderEvent",
        subject="order__person",
        # The events of an order hold no personal values, but they describe a person's payments
        # and go with the order (P14).
        holdings=(Holding("orders", fields=(), clocks={"order_placed": "order__created_at"}),),
        not_personal=("order", "at", "kind", "amount", "provider", "provider_event_id"),
        things=(
            Thing(
                ngettext_lazy("%(count)d betalning", "%(count)d betalningar", "count"),
                where={"kind": "paid"},
            ),
        ),
        readable=Readable(
            heading=_("Betalningar och andra händelser"),
            labels={"at": _("När"), "label": _("Vad"), "amount": _("Belopp"), "provider": _("Via")},
            values={"provider": _PROVIDERS},
        ),
    ),
    PersonalModel(
        "payments.Refund",
        subject="order__person",
        # Amounts and provider ids only; a refund describes a person's payments and goes with the
        # order (P14).
        holdings=(Holding("orders", fields=(), clocks={"order_placed": "order__created_at"}),),
        not_personal=(
            "order",
            "created_at",
            "amount",
            "status",
            "reason",
            "provider_refund_ref",
            "error_code",
            "completed_at",
            "completed_by",
        ),
        things=(
            Thing(ngettext_lazy("%(count)d återbetalning", "%(count)d återbetalningar", "count")),
        ),
        readable=Readable(
            heading=_("Återbetalningar"),
            labels={
                "created_at": _("Begärd"),
                "amount": _("Belopp"),
                "reason_label": _("Skäl"),
                "status": _("Läge"),
                "completed_at": _("Klar"),
            },
        ),
    ),
]

# Where a refund paid by hand goes (a Bankgiro payment has no way back but a transfer). Held
# encrypted with her key, for as long as the refund needs it: the policy deletes it soon after the
# refund is done, and with the order at the latest.
_ACCOUNT_FIELDS = (
    "clearing_number_ciphertext",
    "account_number_ciphertext",
    "holder_name_ciphertext",
)
PERSONAL_DATA.append(
    PersonalModel(
        "payments.RefundAccount",
        subject="person",
        holdings=(
            Holding(
                "refund_account",
                fields=_ACCOUNT_FIELDS,
                clocks={
                    "refund_done": "refund__completed_at",
                    "order_placed": "refund__order__created_at",
                },
            ),
        ),
        not_personal=("refund", "person", "requested_at", "nonce", "received_at", "checked"),
        encrypted=dict.fromkeys(_ACCOUNT_FIELDS, "refund_account"),
        things=(
            Thing(
                ngettext_lazy(
                    "%(count)d konto för återbetalning",
                    "%(count)d konton för återbetalning",
                    "count",
                )
            ),
        ),
        readable=Readable(
            heading=_("Konto för återbetalning"),
            labels={
                "received_at": _("Lämnat"),
                "clearing_number_ciphertext": _("Clearingnummer"),
                "account_number_ciphertext": _("Kontonummer"),
                "holder_name_ciphertext": _("Kontohavare"),
            },
        ),
    )
)

NOT_PERSONAL = {
    "payments.Payout": "what a provider moved to the coach's bank account: amounts, dates, ids",
    "payments.FeeFetch": "a provider fee still to be read: ids and attempts; the order says who",
}
