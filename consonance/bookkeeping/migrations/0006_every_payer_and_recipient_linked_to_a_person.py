"""Every identified subject has a Person (issue 19): link the orders, billing details, vouchers,
receipts and outgoing mail written without one (see consonance/bookkeeping/backfill.py).

Not atomic: each batch commits on its own, so an interrupted run is continued by the next
`migrate` (the function's rows left are exactly the unlinked ones)."""

from django.db import migrations


def link(apps, schema_editor):
    from consonance.bookkeeping.backfill import backfill

    backfill(apps)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("bookkeeping", "0005_voucher_kind_transfer"),
        ("payments", "0008_payouts_and_fee_fetches"),
        ("mail", "0006_outbox_purpose"),
        ("people", "0007_journal_clock_latest_of_consultation_note_contact"),
        ("audit", "0002_verification"),
    ]

    operations = [migrations.RunPython(link, migrations.RunPython.noop, elidable=True)]
