from __future__ import annotations

from django.urls import path

from consonance.journal import staff_views

app_name = "journal_staff"

urlpatterns = [
    path("", staff_views.index, name="index"),
    path("klient/<int:person_id>/", staff_views.client_card, name="client"),
    path("anteckning/<int:pk>/", staff_views.note_edit, name="note"),
    path("anteckning/<int:pk>/signera/", staff_views.note_sign, name="note-sign"),
    path("konsultation/<int:pk>/", staff_views.consultation, name="consultation"),
    path("villkor/<int:service_id>/", staff_views.terms, name="terms"),
    path("konsultation/<int:pk>/hanterat/", staff_views.late_handled, name="late_handled"),
]
