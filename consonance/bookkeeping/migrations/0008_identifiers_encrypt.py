"""Issue 19, step 2 of 3: the identifiers encrypted, a batch at a time (an interrupted run goes
on where it stopped; see people/identifier_migration.py)."""

from django.db import migrations

from consonance.bookkeeping.migrations._identifier_fields import (
    DOCUMENT,
    VOUCHER,
    document_hold,
    voucher_hold,
)
from consonance.people.identifier_migration import encrypt_existing


def encrypt_voucher(apps, schema_editor):
    encrypt_existing(apps, "bookkeeping.Voucher", VOUCHER, voucher_hold)


def encrypt_document(apps, schema_editor):
    encrypt_existing(apps, "bookkeeping.Document", DOCUMENT, document_hold)


class Migration(migrations.Migration):
    atomic = False
    dependencies = [
        ("bookkeeping", "0007_identifiers_encrypted_columns"),
        ("people", "0010_identifiers_plain_dropped"),
    ]
    operations = [
        migrations.RunPython(encrypt_voucher, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(encrypt_document, migrations.RunPython.noop, elidable=True),
    ]
