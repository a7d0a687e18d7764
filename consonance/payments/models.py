from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consonance.lib.i18n import current_language
from consonance.lib.identifiers import Identified, identifier
from consonance.lib.text import normalise_email, normalise_name, normalise_phone
from consonance.payments import methods


class Order(Identified):
    """An order in the order list (P5, P8, P14): kept two years, then deleted.

    The payer's name and e-mail are copied here because the order list outlives the client
    register entry; card details are at most the last four digits and the expiry (P6).
    """

    class Method(models.TextChoices):
        CARD = "card", _("Kort")
        PAYPAL = "paypal", "PayPal"
        SWISH = "swish", "Swish"
        BANKGIRO = "bankgiro", _("Bankgiro (faktura med OCR)")

    class Status(models.TextChoices):
        PENDING = "pending", _("Väntar på betalning")
        PAID = "paid", _("Betald")
        PARTIALLY_PAID = "partially_paid", _("Delvis betald")
        OVERPAID = "overpaid", _("Överbetald")
        CANCELLED = "cancelled", _("Avbruten")
        REFUNDED = "refunded", _("Återbetald")

    reference = models.CharField(max_length=32, unique=True)
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    method = models.CharField(max_length=16, choices=Method.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    # What was bought: in Swedish (the books' language) and, for an English reader, in English.
    description = models.CharField(max_length=200)
    description_en = models.CharField(max_length=200, blank=True, default="", db_default="")
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3, default="SEK")
    vat_rate = models.DecimalField(max_digits=4, decimal_places=2, default=0)
    # Encrypted under the payer's key, with blind indexes for exact lookups (lib/identifiers.py).
    payer_name = identifier("payments.order.payer_name", normalise_name)
    payer_name_index = models.CharField(max_length=64, db_index=True)
    payer_email = identifier("payments.order.payer_email", normalise_email)
    payer_email_index = models.CharField(max_length=64, db_index=True)
    card_last4 = models.CharField(max_length=4, blank=True)
    card_expiry = models.CharField(max_length=7, blank=True)  # "MM/YYYY", never the CVC
    amount_paid = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    amount_refunded = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    # The provider's id for this payment (Checkout Session, PayPal order, Swish instruction).
    provider_ref = models.CharField(max_length=100, blank=True, db_index=True)
    # The id to refund against (payment intent, PayPal capture, Swish payment reference).
    payment_ref = models.CharField(max_length=100, blank=True)
    # Bankgiro invoices: the OCR reference the payer quotes, and when payment is due.
    ocr_reference = models.CharField(max_length=25, null=True, blank=True, unique=True)
    due_date = models.DateField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Order {self.reference}"

    @property
    def local_description(self) -> str:
        """What was bought, in the reader's language (English when there is an English name)."""
        return description_in(self.description, self.description_en)


def description_in(swedish: str, english: str) -> str:
    return english if english and current_language() == "en" else swedish


class BillingDetails(Identified):
    """Billing details asked only where the payment method needs them (Swish, Bankgiro; P8).

    Within 48 hours of the booking everything but first name, last name and e-mail goes.
    """

    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="billing")
    person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="billing_details",
    )
    collected_at = models.DateTimeField(default=timezone.now, db_index=True)
    # Encrypted under her key, with blind indexes for exact lookups (lib/identifiers.py).
    first_name = identifier("payments.billing.first_name", normalise_name)
    first_name_index = models.CharField(max_length=64, db_index=True)
    last_name = identifier("payments.billing.last_name", normalise_name)
    last_name_index = models.CharField(max_length=64, db_index=True)
    email = identifier("payments.billing.email", normalise_email)
    email_index = models.CharField(max_length=64, db_index=True)
    street_address = identifier("payments.billing.street_address", normalise_name, blank=True)
    street_address_index = models.CharField(max_length=64, blank=True, db_index=True)
    postal_code = models.CharField(max_length=10, blank=True)
    city = models.CharField(max_length=100, blank=True)
    phone = identifier("payments.billing.phone", normalise_phone, blank=True)
    phone_index = models.CharField(max_length=64, blank=True, db_index=True)

    class Meta:
        indexes = [
            # The 48-hour minimisation (P8) looks only at rows that still hold more than names
            # and e-mail, so a run with nothing to do stays cheap however many orders exist.
            models.Index(
                fields=["collected_at"],
                condition=~models.Q(street_address_index="")
                | ~models.Q(postal_code="")
                | ~models.Q(city="")
                | ~models.Q(phone_index=""),
                name="billing_unminimised_idx",
            )
        ]


EVENT_LABELS = {
    "created": _("Order skapad"),
    "invoiced": _("Faktura skickad"),
    "payment_started": _("Betalning påbörjad"),
    "pending": _("Väntar på besked från betalsättet"),
    "paid": _("Betalning mottagen"),
    "paid_wrong_currency": _("Betalning i fel valuta"),
    "refund_requested": _("Återbetalning begärd"),
    "refund_to_coach": _("Återbetalning att göra manuellt"),
    "refunded": _("Återbetalt"),
    "refund_notified": _("Återbetalning bekräftad"),
    "refund_failed": _("Återbetalningen misslyckades"),
    "booking_cancelled": _("Bokningen avbokad"),
    "cancelled": _("Avbruten"),
    "expired": _("Reservationen gick ut"),
    "payment_failed": _("Betalningen misslyckades"),
    "payment_expired": _("Betalningen avbröts"),
    "payment_start_failed": _("Betalningen kunde inte startas"),
}


class OrderEvent(models.Model):
    """Every payment, refund and state change of an order (P14), kept as long as the order.

    Amounts and provider ids only: no names or addresses.
    """

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=32)  # "created", "paid", "refunded", "refund_requested", ...
    amount = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    provider = models.CharField(max_length=16, blank=True)
    provider_event_id = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        constraints = [
            # A provider's event is applied once: replays find this row and change nothing.
            models.UniqueConstraint(
                fields=["provider", "provider_event_id"],
                condition=~models.Q(provider_event_id=""),
                name="order_event_once_per_provider_event",
            )
        ]

    @property
    def label(self) -> str:
        return str(EVENT_LABELS.get(self.kind, _("Händelse")))


class Refund(models.Model):
    """Money to return to a payer: sent through the provider that took the payment, or a task
    for the coach when it needs her hand (Bankgiro; Swish when the API refund is not possible).

    Amounts and provider ids only; the order carries who the payer is.
    """

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Begärd")
        PENDING = "pending", _("Skickad, väntar på besked")
        DONE = "done", _("Återbetald")
        MANUAL = "manual", _("Att göra: betala tillbaka manuellt")
        FAILED = "failed", _("Misslyckades")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="refunds")
    created_at = models.DateTimeField(default=timezone.now)
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.REQUESTED)
    # Why the refund is made, as a code: "cancelled", "slot_taken", ...
    reason = models.CharField(max_length=32)
    provider_refund_ref = models.CharField(max_length=100, blank=True)
    # Why a provider refund did not happen: an error code, never provider text.
    error_code = models.CharField(max_length=32, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.CharField(max_length=40, blank=True)  # an audit actor id

    class Meta:
        ordering = ["-created_at", "-pk"]

    @property
    def reason_label(self) -> str:
        return str(REFUND_REASONS.get(self.reason, _("annat skäl")))

    @property
    def account_state(self) -> str:
        """Where the payer's account for a refund paid by hand stands: "" (never asked for),
        "waiting" (the link is out) or "received"."""
        try:
            account = self.account  # type: ignore[attr-defined]  # RefundAccount's reverse link
        except ObjectDoesNotExist:
            return ""
        return "received" if account.received_at is not None else "waiting"


REFUND_REASONS = {
    "cancelled": _("avbokning"),
    "slot_taken": _("tiden hann bokas av någon annan"),
    "booking_cancelled": _("bokningen var avbokad"),
    "expired_partly_paid": _("delbetalning efter sista dag"),
    "coach": _("återbetalning du gjorde"),
}


class RefundAccount(models.Model):
    """Where a refund paid by hand goes: the bank account the payer enters on the page her e-mail
    links to (never by e-mail). Encrypted with her own key; deleted soon after the refund is done
    (the policy's rule for "refund_account"), and with her on erasure.
    """

    refund = models.OneToOneField(Refund, on_delete=models.CASCADE, related_name="account")
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="refund_accounts"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    # Bound into the link; a new link (the coach asks again) changes it, so older links die.
    nonce = models.CharField(max_length=32)
    received_at = models.DateTimeField(null=True, blank=True)
    clearing_number_ciphertext = models.BinaryField(null=True, blank=True)
    account_number_ciphertext = models.BinaryField(null=True, blank=True)
    holder_name_ciphertext = models.BinaryField(null=True, blank=True)
    # False when the check digits could not confirm the number and she confirmed it herself.
    checked = models.BooleanField(default=True)


class Payout(models.Model):
    """Money a provider moved from what it holds for the coach to her bank account: a Stripe
    payout (its `payout.paid` event) or a PayPal withdrawal she recorded. Amounts and ids only.

    Recorded once per provider id; bookkeeping books it as a transfer from the provider's
    clearing account to the bank.
    """

    provider = models.CharField(max_length=16)  # "stripe", "paypal"
    provider_ref = models.CharField(max_length=100)  # Stripe's po_..., or our id for a withdrawal
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, default="SEK")
    arrived_on = models.DateField(db_index=True)  # when it reached the bank (Stockholm date)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.CharField(max_length=40)  # an audit actor id

    class Meta:
        ordering = ["-arrived_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "provider_ref"], name="payout_once")
        ]

    @property
    def provider_label(self) -> str:
        row = methods.of_provider(self.provider)
        return row.display_name if row is not None else self.provider


class FeeFetch(models.Model):
    """A Stripe fee still to be read from its payment's balance transaction (Checkout's events
    never carry it). The worker tries until it has it, backing off; the fee is booked once,
    keyed by the balance transaction's id."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="fee_fetches")
    payment_ref = models.CharField(max_length=100)  # the payment intent
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now, db_index=True)
    done_at = models.DateTimeField(null=True, blank=True)
    fee_ref = models.CharField(max_length=100, blank=True)  # the balance transaction (txn_...)
    error = models.CharField(max_length=64, blank=True)  # a code, never provider text

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["order", "payment_ref"], name="fee_fetch_once")
        ]
