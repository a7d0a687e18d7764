"""Issue 19, step 2 of 3: the identifiers encrypted, a batch at a time (an interrupted run goes
on where it stopped; see people/identifier_migration.py)."""

from django.db import migrations

from consonance.payments.migrations._identifier_fields import BILLINGDETAILS, ORDER
from consonance.people.identifier_migration import encrypt_existing, person_key


def encrypt_order(apps, schema_editor):
    encrypt_existing(apps, "payments.Order", ORDER, person_key)


def encrypt_billingdetails(apps, schema_editor):
    encrypt_existing(apps, "payments.BillingDetails", BILLINGDETAILS, person_key)


class Migration(migrations.Migration):
    atomic = False
    dependencies = [
        ("payments", "0009_identifiers_encrypted_columns"),
        ("people", "0010_identifiers_plain_dropped"),
    ]
    operations = [
        migrations.RunPython(encrypt_order, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(encrypt_billingdetails, migrations.RunPython.noop, elidable=True),
    ]
