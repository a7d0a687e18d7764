"""The coach's payment pages: orders with their payment state and events, refund tasks."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from consonance.audit.services import actor_staff_request
from consonance.payments import selectors
from consonance.payments.models import Order, Refund
from consonance.payments.refunds import refund_mark_done


def orders(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    return render(
        request,
        "payments/staff/orders.html",
        {
            "orders": selectors.orders_list(status=status)[:300],
            "statuses": Order.Status.choices,
            "status": status,
            "open_tasks": selectors.refund_tasks().count(),
        },
    )


def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_object_or_404(Order.objects.select_related("person"), pk=pk)
    return render(
        request,
        "payments/staff/order.html",
        {
            "order": order,
            "events": order.events.all(),
            "refunds": order.refunds.all(),
            "booking": getattr(order, "booking", None),
        },
    )


def refunds(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "payments/staff/refunds.html",
        {"tasks": selectors.refund_tasks(), "recent": selectors.refunds_recent()[:50]},
    )


@require_POST
def refund_done(request: HttpRequest, pk: int) -> HttpResponse:
    refund = get_object_or_404(Refund, pk=pk)
    if refund_mark_done(refund_id=refund.pk, actor=actor_staff_request(request)):
        messages.success(request, _("Återbetalningen är markerad som gjord."))
    else:
        messages.error(request, _("Återbetalningen var redan hanterad."))
    return redirect("staff-payments-refunds")
