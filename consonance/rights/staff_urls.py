from __future__ import annotations

from django.urls import path

from consonance.rights import staff_views

app_name = "rights_staff"

urlpatterns = [
    path("", staff_views.index, name="index"),
    path("requests/<int:pk>/handle/", staff_views.request_handle, name="request-handle"),
    path("requests/<int:pk>/erase-journal/", staff_views.journal_erase, name="journal-erase"),
    path("receipts/<int:pk>/", staff_views.receipt, name="receipt"),
]
