"""The coach's payment pages: orders with their payment state and events, refund tasks."""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from consonance.audit.services import actor_staff_request
from consonance.payments import hooks, selectors
from consonance.payments.forms import RefundForm, WithdrawalForm
from consonance.payments.models import Order, Payout, Refund, RefundAccount
from consonance.payments.payouts import PayoutRefused, paypal_withdrawal_record
from consonance.payments.refund_accounts import (
    RevealedAccount,
    refund_account_deleted_by,
    refund_account_request,
    refund_account_reveal,
)
from consonance.payments.refunds import RefundRefused, refund_mark_done, refund_request
from consonance.payments.tokens import LINK_AGE
from consonance.people.selectors import identities_read


def orders(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    return render(
        request,
        "payments/staff/orders.html",
        {
            "orders": identities_read(list(selectors.orders_list(status=status)[:300])),
            "statuses": Order.Status.choices,
            "status": status,
            "open_tasks": selectors.refund_tasks().count(),
        },
    )


def order_detail(
    request: HttpRequest, pk: int, refund_form: RefundForm | None = None
) -> HttpResponse:
    order = get_object_or_404(Order.objects.select_related("person"), pk=pk)
    selectors.with_payer_addresses([order])
    refundable = selectors.order_refundable(order)
    return render(
        request,
        "payments/staff/order.html",
        {
            "order": order,
            "events": order.events.all(),
            "refunds": order.refunds.all(),
            "booking": getattr(order, "booking", None),
            "refundable": refundable,
            "refund_form": refund_form or RefundForm(most=refundable),
        },
        status=400 if refund_form is not None else 200,
    )


@require_POST
def refund_start(request: HttpRequest, pk: int) -> HttpResponse:
    """The coach pays back all or part of what was paid, through the provider that took it."""
    order = get_object_or_404(Order, pk=pk)
    form = RefundForm(request.POST, most=selectors.order_refundable(order))
    if not form.is_valid():
        messages.error(request, _("Rätta uppgifterna som är markerade."))
        return order_detail(request, pk, refund_form=form)
    try:
        with transaction.atomic():
            refund_request(
                order=order,
                amount=form.cleaned_data["amount"],
                reason="coach",
                actor=actor_staff_request(request),
            )
    except RefundRefused:
        messages.error(request, _("Det är mer än som går att betala tillbaka."))
        return redirect("staff-payments-order", pk=order.pk)
    messages.success(request, _("Återbetalningen är på väg."))
    return redirect("staff-payments-order", pk=order.pk)


def refunds(request: HttpRequest) -> HttpResponse:
    tasks, recent = list(selectors.refund_tasks()), list(selectors.refunds_recent()[:50])
    selectors.with_payer_addresses(refund.order for refund in tasks + recent)
    return render(request, "payments/staff/refunds.html", {"tasks": tasks, "recent": recent})


@require_POST
def refund_done(request: HttpRequest, pk: int) -> HttpResponse:
    refund = get_object_or_404(Refund, pk=pk)
    if refund_mark_done(refund_id=refund.pk, actor=actor_staff_request(request)):
        messages.success(request, _("Återbetalningen är markerad som gjord."))
    else:
        messages.error(request, _("Återbetalningen var redan hanterad."))
    if request.POST.get("next") == "refund":
        return redirect("staff-payments-refund", pk=refund.pk)
    return redirect("staff-payments-refunds")


def refund_detail(
    request: HttpRequest, pk: int, revealed: RevealedAccount | None = None
) -> HttpResponse:
    """One refund: to whom, how much, and for one paid by hand the payer's account (shown only
    on request, each time audited), then "done"."""
    refund = get_object_or_404(Refund.objects.select_related("order"), pk=pk)
    selectors.with_payer_addresses([refund.order])
    account = RefundAccount.objects.filter(refund=refund).first()
    return render(
        request,
        "payments/staff/refund.html",
        {
            "refund": refund,
            "order": refund.order,
            "account": account,
            "link_expires": account.requested_at + LINK_AGE if account else None,
            "deleted_by": refund_account_deleted_by(account) if account else None,
            "revealed": revealed,
        },
    )


@require_POST
def refund_account_show(request: HttpRequest, pk: int) -> HttpResponse:
    """The account, to pay the refund from her bank: an audited read, never in a URL or a log."""
    refund = get_object_or_404(Refund, pk=pk)
    revealed = refund_account_reveal(refund_id=refund.pk, actor=actor_staff_request(request))
    if revealed is None:
        messages.error(request, _("Det finns inga kontouppgifter att visa."))
        return redirect("staff-payments-refund", pk=refund.pk)
    return refund_detail(request, refund.pk, revealed=revealed)


@require_POST
def refund_account_ask(request: HttpRequest, pk: int) -> HttpResponse:
    """E-mail the payer a (new) link for the account; what she gave before is forgotten."""
    refund = get_object_or_404(Refund, pk=pk)
    if refund_account_request(refund_id=refund.pk, actor=actor_staff_request(request)):
        messages.success(request, _("Kunden har fått en ny länk via e-post."))
    else:
        messages.error(
            request, _("Det går inte att be om kontouppgifter för den här återbetalningen.")
        )
    return redirect("staff-payments-refund", pk=refund.pk)


# -- PayPal withdrawals ---------------------------------------------------------------------------


def _held(provider: str) -> Decimal | None:
    return next((held for held in hooks.provider_held.collect(provider) if held is not None), None)


def paypal_withdrawal(request: HttpRequest) -> HttpResponse:
    """The staff form "PayPal-uttag": she records a withdrawal from PayPal that reached her bank
    (PayPal sends no reliable notice of it), and bookkeeping books the transfer."""
    held = _held("paypal")
    if request.method == "POST":
        form = WithdrawalForm(request.POST)
        if form.is_valid():
            try:
                _payout, created = paypal_withdrawal_record(
                    amount=form.cleaned_data["amount"],
                    arrived_on=form.cleaned_data["arrived_on"],
                    form_id=form.cleaned_data["form_id"],
                    actor=actor_staff_request(request),
                )
            except PayoutRefused:
                form.add_error("amount", _("Beloppet ska vara större än noll."))
            else:
                if created:
                    messages.success(request, _("Uttaget är bokfört."))
                else:
                    messages.info(request, _("Uttaget var redan bokfört."))
                return redirect("staff-payments-paypal-withdrawal")
    else:
        initial = {"arrived_on": timezone.localdate(), "form_id": secrets.token_hex(16)}
        if held is not None and held > 0:
            initial["amount"] = f"{held:.2f}".replace(".", ",")
        form = WithdrawalForm(initial=initial)
    return render(
        request,
        "payments/staff/paypal_withdrawal.html",
        {
            "form": form,
            "held": held,
            "recent": Payout.objects.filter(provider="paypal")[:24],
        },
        status=200,
    )
