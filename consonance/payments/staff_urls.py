from __future__ import annotations

from django.urls import path

from consonance.payments import staff_views

app_name = "payments_staff"

urlpatterns = [
    path("", staff_views.orders, name="index"),
    path("<int:pk>/", staff_views.order_detail, name="order"),
    path("<int:pk>/refund/", staff_views.refund_start, name="refund-start"),
    path("paypal-withdrawal/", staff_views.paypal_withdrawal, name="paypal-withdrawal"),
    path("refunds/", staff_views.refunds, name="refunds"),
    path("refunds/<int:pk>/", staff_views.refund_detail, name="refund"),
    path(
        "refunds/<int:pk>/show-account/",
        staff_views.refund_account_show,
        name="refund-account-show",
    ),
    path(
        "refunds/<int:pk>/ask-for-account/",
        staff_views.refund_account_ask,
        name="refund-account-ask",
    ),
    path("refunds/<int:pk>/done/", staff_views.refund_done, name="refund-done"),
]
