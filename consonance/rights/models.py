"""Data subject requests, restriction and objection states, erasure receipts, and the keyed hashes
of the addresses people left.

None of these rows holds a personal value: a request or a state links to its Person (the link is
cut when she is erased), and a receipt holds categories, counts, ids and dates only.
"""

from __future__ import annotations

import secrets

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def _receipt_token() -> str:
    return secrets.token_urlsafe(18)


class Request(models.Model):
    """A request about the data subject's rights (P24-P29, P15), with its statutory deadline.

    Self-service requests are done at once and stored done, for the audit trail; journal
    requests (P15) and anything the coach must do stay open until she marks them done.
    """

    class Kind(models.TextChoices):
        ACCESS = "access", _("Tillgång (registerutdrag)")
        RECTIFICATION = "rectification", _("Rättelse")
        ERASURE = "erasure", _("Radering")
        RESTRICTION = "restriction", _("Begränsning")
        OBJECTION = "objection", _("Invändning")
        PORTABILITY = "portability", _("Dataportabilitet")
        CONSENT_WITHDRAWAL = "consent_withdrawal", _("Återkallat samtycke")
        JOURNAL_ACCESS = "journal_access", _("Se journalanteckningar")
        JOURNAL_DELETION = "journal_deletion", _("Radera journalanteckningar")

    class State(models.TextChoices):
        OPEN = "open", _("Öppen")
        DONE = "done", _("Klar")
        REJECTED = "rejected", _("Avslagen")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="rights_requests",
    )
    received_at = models.DateTimeField(default=timezone.now)
    # The policy deadline it runs under ("journal-request", "rights-request") and its due date.
    deadline = models.CharField(max_length=40)
    due_at = models.DateTimeField(db_index=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    handled_at = models.DateTimeField(null=True, blank=True)
    # A short note without personal data ("självservice", "ersatt av radering").
    note = models.CharField(max_length=200, blank=True)
    # What became of her upcoming sessions when an erasure waits (a line each: service, time,
    # outcome), carried to the receipt once the erasure is done.
    sessions = models.JSONField(default=list, blank=True)
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    # Why a deferred erasure could not be finished, in words for the coach (what was found,
    # never whose): shown on her overview until the erasure goes through.
    stalled = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["due_at", "pk"]
        indexes = [models.Index(fields=["state", "due_at"], name="rights_request_open_due")]

    def __str__(self) -> str:
        return f"Request #{self.pk} ({self.kind}, {self.state})"

    @property
    def overdue(self) -> bool:
        return self.state == self.State.OPEN and self.due_at < timezone.now()


class Restriction(models.Model):
    """Restriction of processing (P27): the data stays stored but is used for nothing except
    storage and legal claims while `lifted_at` is empty."""

    class Reason(models.TextChoices):
        ACCURACY = "accuracy", _("Jag bestrider att uppgifterna är riktiga")
        UNLAWFUL = "unlawful", _("Behandlingen är olaglig men jag vill inte att de raderas")
        LEGAL_CLAIMS = "legal_claims", _("Jag behöver uppgifterna för ett rättsligt anspråk")
        OBJECTION = "objection", _("Jag har invänt och väntar på besked")

    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="restrictions"
    )
    reason = models.CharField(max_length=20, choices=Reason.choices)
    restricted_at = models.DateTimeField(default=timezone.now)
    lifted_at = models.DateTimeField(null=True, blank=True)
    # Whether this restriction put her address on the mail suppression list (and so takes it off
    # again when lifted); an address already suppressed for another reason stays suppressed.
    suppressed_mail = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(lifted_at__isnull=True),
                name="rights_one_active_restriction",
            )
        ]

    def __str__(self) -> str:
        return f"Restriction #{self.pk}"


class Objection(models.Model):
    """An objection (P28). To direct marketing it is absolute: the newsletter stops and no new
    subscription starts without a new, explicit consent given after it (which supersedes it)."""

    class Kind(models.TextChoices):
        DIRECT_MARKETING = "direct_marketing", _("Direktmarknadsföring (nyhetsbrevet)")

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="objections")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.DIRECT_MARKETING)
    at = models.DateTimeField(default=timezone.now)
    superseded_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Objection #{self.pk}"


class PreviousAddress(models.Model):
    """An address she had before an address change, as the suppression list's keyed hash (never
    the address): her erasure writes it to the erasure ledger with her last one, so that a
    restore of a backup taken while she had it erases her again (ledger.py)."""

    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="previous_addresses"
    )
    address_hash = models.CharField(max_length=64)
    # When she left it: a backup taken after that may hold someone else under it.
    until = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"PreviousAddress #{self.pk}"


class ErasureReceipt(models.Model):
    """What an erasure removed and what it kept, why and until when. No personal data: categories,
    model labels, counts, row ids of the kept rows and dates only."""

    token = models.CharField(max_length=32, unique=True, default=_receipt_token)
    issued_at = models.DateTimeField(default=timezone.now)
    request = models.OneToOneField(
        Request, null=True, blank=True, on_delete=models.SET_NULL, related_name="receipt"
    )
    # [{"category": ..., "count": n, "models": {"app.Model": n}}]
    erased = models.JSONField(default=list)
    # [{"category": ..., "count": n, "rule": ..., "reason": ..., "until": "YYYY-MM-DD",
    #   "rows": [{"model": "app.Model", "id": pk, "until": "YYYY-MM-DD"}]}]
    kept = models.JSONField(default=list)
    key_destroyed = models.BooleanField(default=False)
    verified = models.BooleanField(default=False)
    # What became of her upcoming sessions: one line each (the service, the time, the refund).
    sessions = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-issued_at", "-pk"]

    def __str__(self) -> str:
        return f"ErasureReceipt #{self.pk}"

    def as_dict(self) -> dict:
        return {
            "receipt": self.token,
            "issued_at": self.issued_at.isoformat(),
            "erased": self.erased,
            "kept": self.kept,
            "key_destroyed": self.key_destroyed,
            "verified": self.verified,
        }
