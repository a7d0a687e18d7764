from __future__ import annotations

from django.urls import path

from consonance.payments import views

urlpatterns = [
    path("return/<str:token>/", views.payment_return, name="payments-return"),
    path("return/paypal/<str:token>/", views.paypal_return, name="payments-return-paypal"),
    path("cancel/<str:token>/", views.payment_cancel, name="payments-cancel"),
    path("webhooks/stripe/", views.stripe_webhook, name="payments-webhook-stripe"),
    path("webhooks/paypal/", views.paypal_webhook, name="payments-webhook-paypal"),
    path("webhooks/swish/", views.swish_webhook, name="payments-webhook-swish"),
]
