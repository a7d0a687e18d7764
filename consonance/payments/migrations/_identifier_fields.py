"""The identifiers this app encrypts in place (issue 19), shared by its three migrations."""

from consonance.lib.text import normalise_email, normalise_name, normalise_phone
from consonance.people.identifier_migration import Plain

ORDER = [
    Plain("payer_name", "payments.order.payer_name", normalise_name, "payer_name_index"),
    Plain("payer_email", "payments.order.payer_email", normalise_email, "payer_email_index"),
]
BILLINGDETAILS = [
    Plain("first_name", "payments.billing.first_name", normalise_name, "first_name_index"),
    Plain("last_name", "payments.billing.last_name", normalise_name, "last_name_index"),
    Plain("email", "payments.billing.email", normalise_email, "email_index"),
    Plain(
        "street_address", "payments.billing.street_address", normalise_name, "street_address_index"
    ),
    Plain("phone", "payments.billing.phone", normalise_phone, "phone_index"),
]
