from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from consonance.lib.text import normalise_name
from consonance.privacy.registry import Holding, PersonalModel, Readable, Thing

# Bokföringslagen 5 kap. 7 § asks a voucher to name the counterparty: the payer's name is all a
# voucher or an invoice keeps about a person (no e-mail, no address below the simplified-invoice
# limit). Both are under the legal hold of rule "bookkeeping-7y": an erasure unlinks them from
# the person and keeps them until the end of the seventh year after the fiscal year's end.
PERSONAL_DATA = [
    PersonalModel(
        "bookkeeping.Voucher",
        subject="person",
        holdings=(
            Holding(
                "bookkeeping",
                fields=("payer_name",),
                clocks={"fiscal_year_end": "fiscal_year_end"},
            ),
        ),
        identifiers=("payer_name",),
        normalise={"payer_name": normalise_name},
        not_personal=(
            "series",
            "number",
            "date",
            "description",
            "amount",
            "order_reference",
            "person",
            "created_at",
            "registered_on",
            "kind",
            "fiscal_year_start",
            "fiscal_year_end",
            "vat_amount",
            "vat_rate",
            "method",
            "provider",
            "order",
            "order_event_id",
            "source",
            "refers_to",
            "created_by",
        ),
        things=(
            Thing(ngettext_lazy("%(count)d verifikation", "%(count)d verifikationer", "count")),
        ),
        readable=Readable(
            heading=_("Verifikationer"),
            labels={
                "label": _("Nummer"),
                "date": _("Datum"),
                "kind": _("Slag"),
                "description": _("Vad"),
                "amount": _("Belopp"),
                "vat_amount": _("Varav moms"),
                "payer_name": _("Betalare"),
            },
        ),
    ),
    PersonalModel(
        "bookkeeping.Document",
        subject="person",
        holdings=(
            Holding(
                "bookkeeping",
                fields=("buyer_name",),
                clocks={"fiscal_year_end": "fiscal_year_end"},
            ),
        ),
        identifiers=("buyer_name",),
        normalise={"buyer_name": normalise_name},
        not_personal=(
            "kind",
            "series",
            "number",
            "issued_on",
            "due_on",
            "fiscal_year_start",
            "fiscal_year_end",
            "order",
            "order_reference",
            "order_event_id",
            "source",
            "person",
            "description",
            "description_en",
            "amount",
            "vat_rate",
            "vat_amount",
            "currency",
            "method",
            "ocr_reference",
            "bankgiro",
            "paid_on",
            "created_at",
        ),
        things=(
            Thing(
                ngettext_lazy("%(count)d faktura", "%(count)d fakturor", "count"),
                where={"kind": "invoice"},
            ),
            Thing(
                ngettext_lazy("%(count)d kvitto", "%(count)d kvitton", "count"),
                where={"kind": "receipt"},
            ),
        ),
        readable=Readable(
            heading=_("Fakturor och kvitton"),
            labels={
                "kind": _("Slag"),
                "label": _("Nummer"),
                "issued_on": _("Utfärdad"),
                "description": _("Vad"),
                "amount": _("Belopp"),
                "vat_amount": _("Varav moms"),
                "method_label": _("Betalsätt"),
                "ocr_reference": _("OCR-nummer"),
                "due_on": _("Sista betalningsdag"),
                "paid_on": _("Betald"),
                "buyer_name": _("Köpare"),
            },
        ),
    ),
]

NOT_PERSONAL = {
    "bookkeeping.VoucherRow": "accounts and amounts of a voucher; who paid is on the voucher",
    "bookkeeping.NumberSeries": "the last number of each voucher, invoice and receipt series",
    "bookkeeping.FortnoxConnection": "the business's own Fortnox tokens, encrypted",
    "bookkeeping.FortnoxPosting": "which vouchers were sent to Fortnox, with error codes",
}
