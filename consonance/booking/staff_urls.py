from __future__ import annotations

from django.urls import path

from consonance.booking import staff_actions, staff_busy, staff_calendar, staff_views

urlpatterns = [
    path("", staff_views.bookings, name="staff-booking"),
    path("ny/", staff_actions.create, name="staff-booking-create"),
    path("<int:pk>/", staff_actions.detail, name="staff-booking-detail"),
    path("<int:pk>/avboka/", staff_actions.cancel, name="staff-booking-cancel"),
    path("<int:pk>/flytta/", staff_actions.move, name="staff-booking-move"),
    path("<int:pk>/uteblev/", staff_actions.no_show, name="staff-booking-no-show"),
    path("<int:pk>/videolank/", staff_actions.video_link, name="staff-booking-video-link"),
    path("<int:pk>/zoom/", staff_actions.zoom_retry, name="staff-booking-zoom-retry"),
    path("kalender/", staff_calendar.week, name="staff-booking-week"),
    path("kalenderflode/", staff_calendar.feed_page, name="staff-booking-feed"),
    path("egna-kalendrar/", staff_busy.calendars, name="staff-booking-busy"),
    path("egna-kalendrar/<int:pk>/las/", staff_busy.calendar_read, name="staff-booking-busy-read"),
    path(
        "egna-kalendrar/<int:pk>/ta-bort/",
        staff_busy.calendar_remove,
        name="staff-booking-busy-remove",
    ),
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
