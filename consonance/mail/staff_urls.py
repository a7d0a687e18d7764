from __future__ import annotations

from django.urls import path

from consonance.mail import staff_views

urlpatterns = [
    path("", staff_views.outbox, name="mail-staff-outbox"),
    path("<int:pk>/retry/", staff_views.retry, name="mail-staff-retry"),
]
