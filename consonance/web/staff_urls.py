from __future__ import annotations

from django.urls import path

from consonance.web import closure_views, staff_views, views

app_name = "web_staff"

urlpatterns = [
    path("pages/", views.staff_pages, name="pages-home"),
    path("pages/<str:slug>/", views.staff_pages, name="pages"),
    path("holiday/", staff_views.holiday, name="holiday"),
    path("holiday/<int:pk>/remove/", staff_views.holiday_delete, name="holiday-remove"),
    path("closure/", closure_views.closure, name="closure"),
    path("closure/undo/", closure_views.closure_undo, name="closure-undo"),
    path("clients/", staff_views.clients, name="clients"),
    path("clients/<int:pk>/", staff_views.client, name="client"),
]
