"""Issue 19, step 3 of 3: the plain identifier columns go."""

from django.db import migrations, models

from consonance.payments.migrations._identifier_fields import BILLINGDETAILS, ORDER
from consonance.people.identifier_migration import plain_dropped


class Migration(migrations.Migration):
    dependencies = [("payments", "0010_identifiers_encrypt")]

    operations = [
        *plain_dropped("order", ORDER, blank=()),
        *plain_dropped("billingdetails", BILLINGDETAILS, blank=("street_address", "phone")),
        migrations.AddIndex(
            "billingdetails",
            models.Index(
                fields=["collected_at"],
                condition=~models.Q(street_address_index="")
                | ~models.Q(postal_code="")
                | ~models.Q(city="")
                | ~models.Q(phone_index=""),
                name="billing_unminimised_idx",
            ),
        ),
    ]
