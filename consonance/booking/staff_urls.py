from __future__ import annotations

from django.urls import path

from consonance.booking import staff_actions, staff_busy, staff_calendar, staff_views

app_name = "booking_staff"

urlpatterns = [
    path("", staff_views.bookings, name="index"),
    path("new/", staff_actions.create, name="create"),
    path("<int:pk>/", staff_actions.detail, name="detail"),
    path("<int:pk>/cancel/", staff_actions.cancel, name="cancel"),
    path("<int:pk>/move/", staff_actions.move, name="move"),
    path("<int:pk>/no-show/", staff_actions.no_show, name="no-show"),
    path("<int:pk>/video-link/", staff_actions.video_link, name="video-link"),
    path("<int:pk>/zoom/", staff_actions.zoom_retry, name="zoom-retry"),
    path("calendar/", staff_calendar.week, name="week"),
    path("calendar-feed/", staff_calendar.feed_page, name="feed"),
    path("busy-calendars/", staff_busy.calendars, name="busy"),
    path("busy-calendars/<int:pk>/read/", staff_busy.calendar_read, name="busy-read"),
    path("busy-calendars/<int:pk>/remove/", staff_busy.calendar_remove, name="busy-remove"),
    path("services/", staff_views.services, name="services"),
    path("services/new/", staff_views.service_edit, name="service-new"),
    path("services/<int:pk>/", staff_views.service_edit, name="service"),
    path("hours/", staff_views.hours, name="hours"),
    path("days-off/", staff_views.days_off, name="days-off"),
    path("days-off/<int:pk>/remove/", staff_views.day_off_delete, name="day-off-remove"),
]
