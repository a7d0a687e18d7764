"""Return pages from payment providers, mounted under /payments/ beside the webhooks."""

from __future__ import annotations

from django.urls import path

from consonance.booking import payment_views

urlpatterns = [
    path("return/<str:token>/", payment_views.payment_return, name="payments-return"),
    path("return/paypal/<str:token>/", payment_views.paypal_return, name="payments-return-paypal"),
    path("cancel/<str:token>/", payment_views.payment_cancel, name="payments-cancel"),
]
