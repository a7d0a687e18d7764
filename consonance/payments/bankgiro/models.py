"""Imported BgMax files and the bank payments read from them.

Only what matching and bookkeeping need is stored (P8): deposit and payment numbers, the
reference the payer quoted, amounts, currency and dates. The payer's name, address and
organisation number (TK26-TK29) are read past and never stored, nor is the file itself.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ImportedFile(models.Model):
    """One BgMax file applied to the order list. Its checksum makes re-imports a no-op."""

    sha256 = models.CharField(max_length=64, unique=True)
    filename = models.CharField(max_length=255)
    imported_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.CharField(max_length=64)
    file_timestamp = models.DateTimeField()
    test_file = models.BooleanField(default=False)
    payments = models.PositiveIntegerField(default=0)
    matched = models.PositiveIntegerField(default=0)
    unmatched = models.PositiveIntegerField(default=0)
    deductions = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-imported_at", "-pk"]

    def __str__(self) -> str:
        return f"BgMax {self.filename} ({self.imported_at:%Y-%m-%d})"


class BankDeposit(models.Model):
    """A TK05-TK15 group of a file: one deposit into the receiving bankgiro account."""

    imported_file = models.ForeignKey(
        ImportedFile, on_delete=models.CASCADE, related_name="deposits"
    )
    receiving_bankgiro = models.CharField(max_length=10)
    serial = models.CharField(max_length=5)
    payment_date = models.DateField()
    currency = models.CharField(max_length=3)
    amount = models.DecimalField(max_digits=20, decimal_places=2)
    payment_count = models.PositiveIntegerField()

    class Meta:
        ordering = ["imported_file", "pk"]


class BankPayment(models.Model):
    """A TK20 payment or TK21 deduction, and what became of it."""

    class Kind(models.TextChoices):
        PAYMENT = "payment", _("Inbetalning")
        DEDUCTION = "deduction", _("Avdrag")

    class State(models.TextChoices):
        MATCHED = "matched", _("Betald")
        PARTIAL = "partial", _("Delbetalning")
        OVERPAID = "overpaid", _("Överbetalning")
        UNMATCHED = "unmatched", _("Ej matchad")
        DEDUCTION = "deduction", _("Avdrag")
        DUPLICATE = "duplicate", _("Redan registrerad")

    imported_file = models.ForeignKey(
        ImportedFile, on_delete=models.CASCADE, related_name="bank_payments"
    )
    deposit = models.ForeignKey(BankDeposit, on_delete=models.CASCADE, related_name="bank_payments")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PAYMENT)
    bgc_serial = models.CharField(max_length=12)
    # Where the record sat in its deposit: BGC serial numbers repeat in Bankgirot's own sample.
    position = models.PositiveIntegerField()
    line = models.PositiveIntegerField()
    reference = models.CharField(max_length=25, blank=True)
    reference_code = models.CharField(max_length=1)
    amount = models.DecimalField(max_digits=20, decimal_places=2)
    currency = models.CharField(max_length=3)
    payment_date = models.DateField(db_index=True)
    order = models.ForeignKey(
        "payments.Order",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="bank_payments",
    )
    state = models.CharField(max_length=10, choices=State.choices, db_index=True)
    # Why a payment was not matched (a code from services.UNMATCHED_REASONS), "" otherwise.
    reason = models.CharField(max_length=32, blank=True)
    # The coach marks an unmatched payment as dealt with (refunded, booked by hand...).
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["deposit", "position"]
