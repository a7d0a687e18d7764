"""Issue 19, step 3 of 3: the plain identifier columns go."""

from django.db import migrations

from consonance.bookkeeping.migrations._identifier_fields import DOCUMENT, VOUCHER
from consonance.people.identifier_migration import plain_dropped


class Migration(migrations.Migration):
    dependencies = [("bookkeeping", "0008_identifiers_encrypt")]

    operations = [
        *plain_dropped("voucher", VOUCHER, blank=()),
        *plain_dropped("document", DOCUMENT, blank=()),
    ]
