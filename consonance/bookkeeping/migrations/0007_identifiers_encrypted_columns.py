"""Issue 19, step 1 of 3: the plain identifier columns become `<name>_plain`, with the
ciphertext and blind-index columns beside them (people/identifier_migration.py)."""

from django.db import migrations

from consonance.bookkeeping.migrations._identifier_fields import DOCUMENT, VOUCHER
from consonance.people.identifier_migration import columns_added


class Migration(migrations.Migration):
    dependencies = [
        ("bookkeeping", "0006_every_payer_and_recipient_linked_to_a_person"),
        ("people", "0008_identifiers_encrypted_columns"),
    ]

    operations = [
        *columns_added("voucher", VOUCHER),
        *columns_added("document", DOCUMENT),
    ]
