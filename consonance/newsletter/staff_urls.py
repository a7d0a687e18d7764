from __future__ import annotations

from django.urls import path

from consonance.newsletter import staff_views

app_name = "newsletter_staff"

urlpatterns = [
    path("", staff_views.index, name="index"),
    path("<int:pk>/", staff_views.detail, name="detail"),
    path("<int:pk>/start/", staff_views.start, name="start"),
    path("<int:pk>/send/", staff_views.send, name="send"),
    path("<int:pk>/delete/", staff_views.delete, name="delete"),
    path("stop/", staff_views.stop, name="stop"),
    path("restart/", staff_views.restart, name="restart"),
]
