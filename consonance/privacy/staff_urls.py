from __future__ import annotations

from django.urls import path

from consonance.privacy import staff_views

app_name = "privacy_staff"

urlpatterns = [
    path("", staff_views.dashboard, name="dashboard"),
    path("agreements/", staff_views.agreement_create_view, name="agreement-create"),
    path("agreements/<int:pk>/end/", staff_views.agreement_end_view, name="agreement-end"),
    path("holds/", staff_views.hold_create_view, name="hold-create"),
    path("holds/<int:pk>/lift/", staff_views.hold_lift_view, name="hold-lift"),
]
