"""Issue 19, step 2 of 3: every person's address and names encrypted under her key, in batches
(an interrupted run goes on where it stopped; see people/identifier_migration.py)."""

from django.db import migrations

from consonance.lib.text import normalise_email, normalise_name
from consonance.people.identifier_migration import Plain, encrypt_existing, own_key

FIELDS = [
    Plain("email", "people.person.email", normalise_email, "email_index"),
    Plain("first_name", "people.person.first_name", normalise_name, "first_name_index"),
    Plain("last_name", "people.person.last_name", normalise_name, "last_name_index"),
]


def encrypt(apps, schema_editor):
    encrypt_existing(apps, "people.Person", FIELDS, own_key)


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("people", "0008_identifiers_encrypted_columns")]
    operations = [migrations.RunPython(encrypt, migrations.RunPython.noop, elidable=True)]
