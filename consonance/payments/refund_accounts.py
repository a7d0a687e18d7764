"""Where a refund paid by hand goes: asked of the payer through a signed link (never by e-mail),
stored encrypted with her own key, shown to the coach only when she asks (each time audited), and
deleted by the policy's rule "refund-account-after-refund" soon after the refund is marked done.

Every write is audited under the category "refund_account", with ids only: the account number
never reaches a log, an audit row, a URL or an e-mail.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from consonance.audit.services import audit_append
from consonance.lib.bankaccount import BankAccount, series_of
from consonance.payments import emails
from consonance.payments.models import Order, Refund, RefundAccount
from consonance.payments.tokens import new_nonce
from consonance.people.keys import person_decrypt_many, person_encrypt
from consonance.people.models import Person
from consonance.privacy.policy import get_policy
from consonance.privacy.registry import clock_value, context_of, declaration_for

CATEGORY = "refund_account"
_CIPHERTEXTS = ("clearing_number_ciphertext", "account_number_ciphertext", "holder_name_ciphertext")


def _audit(what: str, actor: str, person_id: int, **detail: object) -> None:
    """One audit row under "refund_account": ids and flags only, never what she entered."""
    audit_append(
        actor=actor,
        action=f"refund_account.{what}",
        subject_id=person_id,
        category=CATEGORY,
        detail=detail,
    )


def refund_needs_account(refund: Refund) -> bool:
    """Money that came by Bankgiro can only go back by a transfer to an account she names."""
    return refund.status == Refund.Status.MANUAL and refund.order.method == Order.Method.BANKGIRO


def refund_account_request(*, refund_id: int, actor: str) -> RefundAccount | None:
    """E-mail the payer a link to give the account (sent after the caller's transaction commits).

    Asking again (the link expired, or she gave a wrong account) makes a new link, kills the
    old one and forgets what she gave. None when there is no one to ask (an order with no person
    left, or a refund that no longer waits for the coach).
    """
    with transaction.atomic():
        refund = (
            Refund.objects.select_for_update(of=("self",))
            .select_related("order__person")
            .get(pk=refund_id)
        )
        person = refund.order.person
        if person is None or refund.status != Refund.Status.MANUAL:
            return None
        account, created = RefundAccount.objects.get_or_create(
            refund=refund, defaults={"person": person, "nonce": new_nonce()}
        )
        if not created:
            account.nonce = new_nonce()
            account.requested_at = timezone.now()
            account.received_at = None
            account.checked = True
            for name in _CIPHERTEXTS:
                setattr(account, name, None)
            account.save()
        _audit("requested", actor, person.pk, refund=refund.pk, again=not created)
        emails.refund_account_request(account)
    return account


def refund_account_submit(
    *, account_id: int, account: BankAccount, holder: str, actor: str
) -> bool:
    """Store the account she gave, encrypted with her key; tell her and the coach. False (and
    nothing stored) when this request was already answered or the refund no longer waits."""
    with transaction.atomic():
        row = (
            RefundAccount.objects.select_for_update(of=("self",))
            .select_related("person", "refund__order")
            .get(pk=account_id)
        )
        if row.received_at is not None or row.refund.status != Refund.Status.MANUAL:
            return False
        person = row.person
        row.clearing_number_ciphertext = _encrypt(
            person, "clearing_number_ciphertext", account.clearing
        )
        row.account_number_ciphertext = _encrypt(
            person, "account_number_ciphertext", account.number
        )
        row.holder_name_ciphertext = (
            _encrypt(person, "holder_name_ciphertext", holder) if holder else None
        )
        row.checked = account.checked
        row.received_at = timezone.now()
        row.save()
        _audit("received", actor, person.pk, refund=row.refund_id, checked=account.checked)
        emails.refund_account_received(row)
        emails.coach_refund_account_received(row)
    return True


def _encrypt(person: Person, name: str, text: str) -> bytes:
    return person_encrypt(person, text, context=context_of(RefundAccount, name))


@dataclass(frozen=True)
class RevealedAccount:
    clearing: str
    number: str
    holder: str
    bank: str
    checked: bool

    @property
    def display(self) -> str:
        return BankAccount(self.clearing, self.number, self.bank, self.checked).display


def refund_account_reveal(*, refund_id: int, actor: str) -> RevealedAccount | None:
    """The account, decrypted for the coach to pay the refund; every reading is audited. None when
    none has arrived (or it was deleted)."""
    row = (
        RefundAccount.objects.select_related("person")
        .filter(refund_id=refund_id, received_at__isnull=False)
        .first()
    )
    if row is None or row.clearing_number_ciphertext is None:
        return None
    blobs = [bytes(getattr(row, name) or b"") for name in _CIPHERTEXTS]
    present = [blob for blob in blobs if blob]
    with transaction.atomic():
        _audit("revealed", actor, row.person_id, refund=refund_id)
    # One unwrap for the three: they share one declared context (the unpacking fails otherwise).
    (context,) = {context_of(RefundAccount, name) for name in _CIPHERTEXTS}
    texts = person_decrypt_many(row.person, present, context=context)
    clearing, number, holder = (*texts, "")[:3]
    series = series_of(clearing)
    return RevealedAccount(clearing, number, holder, series[2] if series else "", row.checked)


def refund_account_deleted_by(account: RefundAccount) -> dt.datetime | None:
    """When the policy's rules delete this account at the latest (the earliest of their ends whose
    clock has started): for the coach's page, "deleted on 30 March"."""
    declaration = declaration_for(RefundAccount)
    holding = declaration.holding(CATEGORY) if declaration else None
    if holding is None:
        return None
    ends = []
    for rule in get_policy().rules_for(CATEGORY):
        path = holding.clocks.get(rule.after)
        start = clock_value(account, path) if path else None
        if start is not None:
            ends.append(rule.expires(start))
    return min(ends, default=None)
