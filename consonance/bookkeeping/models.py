from __future__ import annotations

from django.db import models
from django.utils import timezone


class Voucher(models.Model):
    """A bookkeeping voucher (verifikation) for a paid consultation, kept seven years (P14).

    It holds what Bokföringslagen needs and no more: who paid, what, when and how much.
    """

    series = models.CharField(max_length=2, default="A")
    number = models.PositiveIntegerField()
    date = models.DateField(db_index=True)
    description = models.CharField(max_length=200)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    payer_name = models.CharField(max_length=200, db_index=True)  # erasure verifier lookups
    order_reference = models.CharField(max_length=32, blank=True)
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="vouchers"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["series", "number"], name="voucher_number_unique")
        ]
