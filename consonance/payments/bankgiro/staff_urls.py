from __future__ import annotations

from django.urls import path

from consonance.payments.bankgiro import staff_views

app_name = "bankgiro_staff"

urlpatterns = [
    path("", staff_views.index, name="index"),
    path("upload/", staff_views.upload, name="upload"),
    path("apply/", staff_views.apply, name="apply"),
    path("imports/<int:pk>/", staff_views.import_detail, name="import-detail"),
    path("payments/<int:pk>/resolve/", staff_views.payment_resolve, name="payment-resolve"),
    path("payments/<int:pk>/match/", staff_views.payment_match, name="payment-match"),
]
