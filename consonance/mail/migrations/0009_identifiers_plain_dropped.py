"""Issue 19, step 3 of 3: the plain identifier columns go."""

from django.db import migrations

from consonance.mail.migrations._identifier_fields import OUTBOXMESSAGE
from consonance.people.identifier_migration import plain_dropped


class Migration(migrations.Migration):
    dependencies = [("mail", "0008_identifiers_encrypt")]

    operations = [
        *plain_dropped("outboxmessage", OUTBOXMESSAGE, blank=("body_html",)),
    ]
