from __future__ import annotations

from django.urls import path

from consonance.payments import views

urlpatterns = [
    # One address per provider of the table of methods: /payments/webhooks/stripe/ and so on.
    path("webhooks/<slug:provider>/", views.webhook, name="payments-webhook"),
]
