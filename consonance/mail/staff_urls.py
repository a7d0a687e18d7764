from __future__ import annotations

from django.urls import path

from consonance.mail import staff_views

app_name = "mail_staff"

urlpatterns = [
    path("", staff_views.outbox, name="outbox"),
    path("<int:pk>/retry/", staff_views.retry, name="retry"),
]
