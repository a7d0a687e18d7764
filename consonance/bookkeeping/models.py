from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consonance.bookkeeping.fiscal import fiscal_year_for
from consonance.lib.identifiers import Identified, identifier
from consonance.lib.text import normalise_name
from consonance.payments.models import Order, description_in


def bookkeeping_hold(fiscal_year_start: dt.date) -> tuple[str, dt.date]:
    """The legal hold of a fiscal year's books: its key's name, and the last day it is kept (the
    end of the seventh calendar year after the one the fiscal year ended in, 7 kap. 2 § BFL)."""
    end = fiscal_year_for(fiscal_year_start).end
    return f"bookkeeping:{fiscal_year_start.isoformat()}", dt.date(end.year + 7, 12, 31)


class Voucher(Identified):
    """A bookkeeping voucher (verifikation), kept seven years (P14, Bokföringslagen 7 kap. 2 §).

    It holds what 5 kap. 7 § asks and no more: when the business event happened and when it was
    booked, what it was, the amount and VAT (in its rows), the counterparty, its number, and links
    to the order and the payment event. Written once and never changed: a correction or a refund
    is a new voucher that refers to the first (`refers_to`), saying when and by whom (5 kap. 5 §).
    """

    class Kind(models.TextChoices):
        PAYMENT = "payment", _("Betalning")
        REFUND = "refund", _("Återbetalning")
        FEE = "fee", _("Avgift")
        INVOICE = "invoice", _("Faktura")
        CORRECTION = "correction", _("Rättelse")
        TRANSFER = "transfer", _("Överföring till banken")
        OTHER = "other", _("Övrigt")

    series = models.CharField(max_length=2, default="A")
    number = models.PositiveIntegerField()
    date = models.DateField(db_index=True)  # the business event's date (Stockholm)
    description = models.CharField(max_length=200)
    amount = models.DecimalField(max_digits=12, decimal_places=2)  # gross, always positive
    # Kept seven years (Bokföringslagen), also after she is erased: under the legal-hold key of
    # its fiscal year, destroyed when the hold ends (people.keys.hold_key).
    payer_name = identifier("bookkeeping.voucher.payer_name", normalise_name, owner="hold")
    payer_name_index = models.CharField(max_length=64, db_index=True)
    order_reference = models.CharField(max_length=32, blank=True)
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="vouchers"
    )
    created_at = models.DateTimeField(default=timezone.now)  # when it was booked
    registered_on = models.DateField(default=timezone.localdate)  # the same, Stockholm date
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.OTHER)
    # The fiscal year the voucher belongs to; its end starts the seven-year clock.
    fiscal_year_start = models.DateField(null=True, blank=True)
    fiscal_year_end = models.DateField(null=True, blank=True, db_index=True)
    vat_amount = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    vat_rate = models.DecimalField(max_digits=4, decimal_places=2, default=0)
    method = models.CharField(max_length=16, blank=True)  # card, paypal, swish, bankgiro
    provider = models.CharField(max_length=16, blank=True)
    # The order outlives nothing here: when it is deleted (two years, or an erasure) the voucher
    # keeps its reference and the payment event's id.
    order = models.ForeignKey(
        "payments.Order",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="vouchers",
        db_constraint=False,
    )
    order_event_id = models.BigIntegerField(null=True, blank=True)
    # What the voucher was written from, once: "paid:<event id>", "fee:stripe:<id>"...
    source = models.CharField(max_length=120, null=True, blank=True, unique=True)
    refers_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="followers"
    )
    created_by = models.CharField(max_length=40, blank=True)  # an audit actor id

    class Meta:
        ordering = ["fiscal_year_start", "series", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["fiscal_year_start", "series", "number"], name="voucher_number_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.series}{self.number}"

    def identifier_hold(self) -> tuple[str, dt.date]:
        return bookkeeping_hold(self.fiscal_year_start or fiscal_year_for(self.date).start)

    @property
    def label(self) -> str:
        return f"{self.series} {self.number}"


class VoucherRow(models.Model):
    """One transaction row (#TRANS): an account and an amount, positive debit, negative credit."""

    voucher = models.ForeignKey(Voucher, on_delete=models.CASCADE, related_name="rows")
    position = models.PositiveSmallIntegerField()
    account = models.CharField(max_length=4)
    amount = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["voucher", "position"]
        constraints = [
            models.UniqueConstraint(fields=["voucher", "position"], name="voucher_row_position")
        ]

    @property
    def debit(self):
        return self.amount if self.amount > 0 else 0

    @property
    def credit(self):
        return -self.amount if self.amount < 0 else 0


class NumberSeries(models.Model):
    """The last number handed out in a series within a fiscal year: numbering without gaps.

    The row is locked while a voucher (or invoice, receipt) is written, so two payments at the
    same moment get consecutive numbers and a rolled-back transaction gives its number back.
    """

    series = models.CharField(max_length=4)
    fiscal_year_start = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["series", "fiscal_year_start"], name="number_series_once_per_year"
            )
        ]


class Document(Identified):
    """An invoice (faktura) or receipt (kvitto) given to a client, numbered without gaps.

    Kept as räkenskapsinformation with the vouchers (seven years); it copies what it says from
    the order, so that it can be shown the same way after the order is gone.
    """

    class Kind(models.TextChoices):
        INVOICE = "invoice", _("Faktura")
        RECEIPT = "receipt", _("Kvitto")

    kind = models.CharField(max_length=8, choices=Kind.choices)
    series = models.CharField(max_length=4)
    number = models.PositiveIntegerField()
    issued_on = models.DateField()
    due_on = models.DateField(null=True, blank=True)
    fiscal_year_start = models.DateField()
    fiscal_year_end = models.DateField(db_index=True)
    order = models.ForeignKey(
        "payments.Order",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="documents",
        db_constraint=False,
    )
    order_reference = models.CharField(max_length=32)
    order_event_id = models.BigIntegerField(null=True, blank=True)
    source = models.CharField(max_length=120, unique=True)
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="documents"
    )
    buyer_name = identifier("bookkeeping.document.buyer_name", normalise_name, owner="hold")
    buyer_name_index = models.CharField(max_length=64, db_index=True)
    description = models.CharField(max_length=200)
    description_en = models.CharField(max_length=200, blank=True, default="", db_default="")
    amount = models.DecimalField(max_digits=12, decimal_places=2)  # incl. VAT
    vat_rate = models.DecimalField(max_digits=4, decimal_places=2, default=0)
    vat_amount = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    currency = models.CharField(max_length=3, default="SEK")
    method = models.CharField(max_length=16)
    ocr_reference = models.CharField(max_length=25, blank=True)
    bankgiro = models.CharField(max_length=9, blank=True)
    paid_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-issued_on", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "fiscal_year_start", "number"], name="document_number_unique"
            )
        ]

    def identifier_hold(self) -> tuple[str, dt.date]:
        return bookkeeping_hold(self.fiscal_year_start)

    @property
    def label(self) -> str:
        return f"{self.series}{self.fiscal_year_start.year}-{self.number}"

    @property
    def local_description(self) -> str:
        """What was bought, in the reader's language (English when there is an English name)."""
        return description_in(self.description, self.description_en)

    @property
    def method_label(self) -> str:
        return str(dict(Order.Method.choices).get(self.method, self.method))


class FortnoxConnection(models.Model):
    """The one Fortnox connection: OAuth2 tokens, encrypted at rest.

    Fortnox rotates the refresh token on every use: the new one is saved in the same transaction
    as the use, and refreshes are serialised by locking this row. A lost refresh token means the
    coach connects again.
    """

    created_at = models.DateTimeField(default=timezone.now)
    refresh_token_ciphertext = models.BinaryField()
    access_token_ciphertext = models.BinaryField(blank=True, default=b"")
    access_expires_at = models.DateTimeField(null=True, blank=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    broken = models.CharField(max_length=64, blank=True)  # why it needs reconnecting


class FortnoxPosting(models.Model):
    """A voucher's way to Fortnox: pending until Fortnox confirms it, failed with a reason."""

    class State(models.TextChoices):
        PENDING = "pending", _("Väntar")
        SENDING = "sending", _("Skickas")
        SENT = "sent", _("Skickad")
        FAILED = "failed", _("Misslyckades")

    voucher = models.OneToOneField(Voucher, on_delete=models.CASCADE, related_name="fortnox")
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now, db_index=True)
    error = models.CharField(max_length=200, blank=True)
    remote_series = models.CharField(max_length=4, blank=True)
    remote_number = models.PositiveIntegerField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
