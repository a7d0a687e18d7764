from __future__ import annotations

from django.urls import path

from consonance.rights import staff_views

app_name = "rights_staff"

urlpatterns = [
    path("", staff_views.index, name="index"),
    path("begaran/<int:pk>/hantera/", staff_views.request_handle, name="request-handle"),
    path("begaran/<int:pk>/radera-journal/", staff_views.journal_erase, name="journal-erase"),
    path("kvitton/<int:pk>/", staff_views.receipt, name="receipt"),
]
