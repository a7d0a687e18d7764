"""Issue 19, step 1 of 3: the plain identifier columns become `<name>_plain`; the ciphertext and
blind-index columns are added beside them; the legal-hold keys get their table."""

import django.utils.timezone
from django.db import migrations, models


def _identifier(name):
    return [
        migrations.RenameField("person", name, f"{name}_plain"),
        migrations.AddField("person", name, models.BinaryField(null=True, blank=True)),
        migrations.AddField("person", f"{name}_index", models.CharField(max_length=64, null=True)),
    ]


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0007_journal_clock_latest_of_consultation_note_contact"),
        # The backfill links payers by their plain address first (issue 19).
        ("bookkeeping", "0006_every_payer_and_recipient_linked_to_a_person"),
    ]

    operations = [
        migrations.AlterField("person", "email", models.EmailField(max_length=254)),
        migrations.AlterField("person", "first_name", models.CharField(max_length=100)),
        migrations.AlterField("person", "last_name", models.CharField(max_length=100)),
        *_identifier("email"),
        *_identifier("first_name"),
        *_identifier("last_name"),
        migrations.CreateModel(
            name="HoldKey",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=64, unique=True)),
                ("wrapped_key", models.BinaryField()),
                ("key_id", models.CharField(blank=True, db_index=True, default="", max_length=16)),
                ("ends_on", models.DateField(db_index=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
        ),
    ]
