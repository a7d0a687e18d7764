from __future__ import annotations

from django.urls import path

from consonance.payments import staff_views

urlpatterns = [
    path("", staff_views.orders, name="staff-payments"),
    path("<int:pk>/", staff_views.order_detail, name="staff-payments-order"),
    path("<int:pk>/aterbetala/", staff_views.refund_start, name="staff-payments-refund-start"),
    path("paypal-uttag/", staff_views.paypal_withdrawal, name="staff-payments-paypal-withdrawal"),
    path("aterbetalningar/", staff_views.refunds, name="staff-payments-refunds"),
    path("aterbetalningar/<int:pk>/", staff_views.refund_detail, name="staff-payments-refund"),
    path(
        "aterbetalningar/<int:pk>/visa-konto/",
        staff_views.refund_account_show,
        name="staff-payments-refund-account-show",
    ),
    path(
        "aterbetalningar/<int:pk>/be-om-konto/",
        staff_views.refund_account_ask,
        name="staff-payments-refund-account-ask",
    ),
    path(
        "aterbetalningar/<int:pk>/klar/",
        staff_views.refund_done,
        name="staff-payments-refund-done",
    ),
]
