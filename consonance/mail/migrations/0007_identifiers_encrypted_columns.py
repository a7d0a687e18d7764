"""Issue 19, step 1 of 3: the plain identifier columns become `<name>_plain`, with the
ciphertext and blind-index columns beside them (people/identifier_migration.py)."""

from django.db import migrations

from consonance.mail.migrations._identifier_fields import OUTBOXMESSAGE
from consonance.people.identifier_migration import columns_added


class Migration(migrations.Migration):
    dependencies = [
        ("mail", "0006_outbox_purpose"),
        ("people", "0008_identifiers_encrypted_columns"),
    ]

    operations = [
        *columns_added("outboxmessage", OUTBOXMESSAGE),
    ]
