from __future__ import annotations

from django.urls import path

from consonance.booking import staff_views

urlpatterns = [
    path("", staff_views.bookings, name="staff-booking"),
    path("tjanster/", staff_views.services, name="staff-booking-services"),
    path("tjanster/ny/", staff_views.service_edit, name="staff-booking-service-new"),
    path("tjanster/<int:pk>/", staff_views.service_edit, name="staff-booking-service"),
    path("oppettider/", staff_views.hours, name="staff-booking-hours"),
    path("lediga-dagar/", staff_views.days_off, name="staff-booking-days-off"),
    path(
        "lediga-dagar/<int:pk>/ta-bort/",
        staff_views.day_off_delete,
        name="staff-booking-day-off-delete",
    ),
]
