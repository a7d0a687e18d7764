"""The journal's clock (P15) counts from her latest note too: fill people.Person.last_note_at
from the notes already written (issue 17, item 5)."""

from django.db import migrations
from django.db.models import Max, OuterRef, Subquery


def backfill(apps, schema_editor):
    Person = apps.get_model("people", "Person")
    Note = apps.get_model("journal", "Note")
    latest = (
        Note.objects.filter(person_id=OuterRef("pk"))
        .values("person_id")
        .annotate(at=Max("created_at"))
        .values("at")
    )
    Person.objects.filter(pk__in=Note.objects.values("person_id")).update(
        last_note_at=Subquery(latest)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("journal", "0003_noteattachment"),
        ("people", "0007_journal_clock_latest_of_consultation_note_contact"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
