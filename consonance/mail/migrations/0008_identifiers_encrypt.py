"""Issue 19, step 2 of 3: the identifiers encrypted, a batch at a time (an interrupted run goes
on where it stopped; see people/identifier_migration.py)."""

from django.db import migrations

from consonance.mail.migrations._identifier_fields import OUTBOXMESSAGE
from consonance.people.identifier_migration import encrypt_existing, person_key


def encrypt_outboxmessage(apps, schema_editor):
    encrypt_existing(apps, "mail.OutboxMessage", OUTBOXMESSAGE, person_key)


class Migration(migrations.Migration):
    atomic = False
    dependencies = [
        ("mail", "0007_identifiers_encrypted_columns"),
        ("people", "0010_identifiers_plain_dropped"),
    ]
    operations = [
        migrations.RunPython(encrypt_outboxmessage, migrations.RunPython.noop, elidable=True),
    ]
