from __future__ import annotations

from django.urls import path

from consonance.payments import views

urlpatterns = [
    path("webhooks/stripe/", views.stripe_webhook, name="payments-webhook-stripe"),
    path("webhooks/paypal/", views.paypal_webhook, name="payments-webhook-paypal"),
    path("webhooks/swish/", views.swish_webhook, name="payments-webhook-swish"),
]
