"""Issue 19, step 3 of 3: the plain columns go; the address's blind index is unique."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("people", "0009_identifiers_encrypt")]

    operations = [
        migrations.RemoveField("person", "email_plain"),
        migrations.RemoveField("person", "first_name_plain"),
        migrations.RemoveField("person", "last_name_plain"),
        migrations.AlterField("person", "email", models.BinaryField(verbose_name="e-post")),
        migrations.AlterField("person", "first_name", models.BinaryField(verbose_name="förnamn")),
        migrations.AlterField("person", "last_name", models.BinaryField(verbose_name="efternamn")),
        migrations.AlterField(
            "person", "email_index", models.CharField(max_length=64, unique=True)
        ),
        migrations.AlterField(
            "person", "first_name_index", models.CharField(db_index=True, max_length=64)
        ),
        migrations.AlterField(
            "person", "last_name_index", models.CharField(db_index=True, max_length=64)
        ),
    ]
