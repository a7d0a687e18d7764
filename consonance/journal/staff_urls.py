from __future__ import annotations

from django.urls import path

from consonance.journal import staff_views

app_name = "journal_staff"

urlpatterns = [
    path("", staff_views.index, name="index"),
    path("clients/<int:person_id>/", staff_views.client_card, name="client"),
    path("notes/<int:pk>/", staff_views.note_edit, name="note"),
    path("notes/<int:pk>/sign/", staff_views.note_sign, name="note-sign"),
    path("consultations/<int:pk>/", staff_views.consultation, name="consultation"),
    path("consultations/<int:pk>/handled/", staff_views.late_handled, name="late-handled"),
    path("terms/<int:service_id>/", staff_views.terms, name="terms"),
]
