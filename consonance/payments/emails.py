"""The payments app's e-mails to payers, one function per message, through the mail outbox.

P20: a refund is confirmed to the payer when the money is on its way back. Amounts and the order
reference only; no details of what the consultation was about.
"""

from __future__ import annotations

from consonance.lib.money import format_amount
from consonance.mail.outbox import mail_queue
from consonance.payments.models import Order, Refund


def _language(order: Order) -> str:
    person = order.person
    return "en" if person is not None and (person.language or "").startswith("en") else "sv"


def refund_confirmed(refund: Refund) -> None:
    order = refund.order
    if not order.payer_email:
        return
    language = _language(order)
    mail_queue(
        to=order.payer_email,
        template="refund_confirmed",
        context={
            "amount": format_amount(refund.amount, language),
            "order_reference": order.reference,
            "description": order.description,
            "manual": not refund.provider_refund_ref,
        },
        language=language,
        person_id=order.person_id,
    )
