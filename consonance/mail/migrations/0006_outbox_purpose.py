from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("mail", "0005_ingest_size"),
    ]

    operations = [
        migrations.AddField(
            model_name="outboxmessage",
            name="purpose",
            field=models.CharField(blank=True, default="", max_length=40),
        ),
    ]
