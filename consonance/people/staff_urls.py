from __future__ import annotations

from django.urls import path

from consonance.people import staff_views

app_name = "people_staff"

urlpatterns = [
    path("accounts/", staff_views.accounts_view, name="accounts"),
]
