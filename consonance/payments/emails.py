"""The payments app's e-mails to payers, one function per message, through the mail outbox.

Every mail goes to the payer's current confirmed address (selectors.payer_address): the address
copied on the order is where she was when she paid, not where she is now (issue 17).
P20: a refund is confirmed to the payer when the money is on its way back; a refund paid by hand
asks where the money should go, by a link to a page (never the account number by e-mail). Amounts
and the order reference only; no details of what the consultation was about.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from consonance.lib.money import format_amount
from consonance.lib.urls import absolute_reverse, absolute_url
from consonance.mail.outbox import mail_queue
from consonance.payments.models import Order, Refund, RefundAccount
from consonance.payments.selectors import payer_address
from consonance.payments.tokens import LINK_DAYS, account_token

# P20: every mail this app sends and its purpose, an id of the policy's [communication] list
# (privacy/mail_types.py; the outbox refuses a template not named here).
MAIL_TYPES = {
    "refund_confirmed": "refund",
    "refund_account_request": "refund",
    "refund_account_received": "refund",
    "coach_refund_account": "coach_notice",
}


def _language(order: Order) -> str:
    person = order.person
    return "en" if person is not None and (person.language or "").startswith("en") else "sv"


def _refund_context(refund: Refund, language: str) -> dict:
    order = refund.order
    with translation.override(language):
        description = order.local_description
    return {
        "amount": format_amount(refund.amount, language),
        "order_reference": order.reference,
        "description": description,
    }


def refund_confirmed(refund: Refund) -> None:
    order = refund.order
    to = payer_address(order)
    if not to:
        return
    language = _language(order)
    mail_queue(
        to=to,
        template="refund_confirmed",
        context={**_refund_context(refund, language), "manual": not refund.provider_refund_ref},
        language=language,
        person_id=order.person_id,
    )


def refund_account_request(account: RefundAccount) -> None:
    """The link to the page where she gives the account the refund goes to."""
    refund = account.refund
    language = _language(refund.order)
    with translation.override(language):
        url = absolute_reverse("payments-refund-account", account_token(account))
    mail_queue(
        to=payer_address(refund.order),
        template="refund_account_request",
        context={**_refund_context(refund, language), "url": url, "days": LINK_DAYS},
        language=language,
        person_id=account.person_id,
    )


def refund_account_received(account: RefundAccount) -> None:
    """Her receipt: the details arrived (not what they are), and whom to tell if it was not her."""
    refund = account.refund
    language = _language(refund.order)
    mail_queue(
        to=payer_address(refund.order),
        template="refund_account_received",
        context=_refund_context(refund, language),
        language=language,
        person_id=account.person_id,
    )


def coach_refund_account_received(account: RefundAccount) -> None:
    """A short note to the coach: an account arrived, the order and a link (nothing more)."""
    mail_queue(
        to=settings.CONSONANCE_STAFF_EMAIL,
        template="coach_refund_account",
        context={
            "amount": format_amount(account.refund.amount, "sv"),
            "order_reference": account.refund.order.reference,
            "url": absolute_url(reverse("payments_staff:refund", args=[account.refund_id])),
        },
        language="sv",
    )
