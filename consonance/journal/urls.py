from __future__ import annotations

from django.urls import path

from consonance.journal import views

app_name = "journal"

urlpatterns = [
    path("<str:token>/", views.consultation, name="consultation"),
]
