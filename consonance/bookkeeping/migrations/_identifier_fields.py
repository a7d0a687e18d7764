"""The identifiers this app encrypts in place (issue 19), shared by its three migrations."""

from consonance.lib.text import normalise_name
from consonance.people.identifier_migration import Plain

VOUCHER = [
    Plain("payer_name", "bookkeeping.voucher.payer_name", normalise_name, "payer_name_index"),
]
DOCUMENT = [
    Plain("buyer_name", "bookkeeping.document.buyer_name", normalise_name, "buyer_name_index"),
]


def voucher_hold(keys, row):
    from consonance.bookkeeping.fiscal import fiscal_year_for
    from consonance.bookkeeping.models import bookkeeping_hold

    return keys.hold(*bookkeeping_hold(row.fiscal_year_start or fiscal_year_for(row.date).start))


def document_hold(keys, row):
    from consonance.bookkeeping.models import bookkeeping_hold

    return keys.hold(*bookkeeping_hold(row.fiscal_year_start))
