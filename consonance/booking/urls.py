from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext_lazy as _

from consonance.booking import move_views, views

urlpatterns = [
    path("", views.services_list, name="booking-services"),
    path("<int:service_id>/", views.service_page, name="booking-service"),
    path("<int:service_id>/<str:start>/", views.book, name="booking-book"),
    path(_("bokning/<str:token>/"), views.status, name="booking-status"),
    path(_("avboka/<str:token>/"), views.cancel, name="booking-cancel"),
    path(_("flytta/<str:token>/"), move_views.move, name="booking-move"),
]
