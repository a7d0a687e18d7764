"""Issue 19, step 1 of 3: the plain identifier columns become `<name>_plain`, with the
ciphertext and blind-index columns beside them (people/identifier_migration.py)."""

from django.db import migrations

from consonance.payments.migrations._identifier_fields import BILLINGDETAILS, ORDER
from consonance.people.identifier_migration import columns_added


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0008_payouts_and_fee_fetches"),
        ("people", "0008_identifiers_encrypted_columns"),
    ]

    operations = [
        migrations.RemoveIndex("billingdetails", "billing_unminimised_idx"),
        *columns_added("order", ORDER),
        *columns_added("billingdetails", BILLINGDETAILS),
    ]
