from __future__ import annotations

from django.urls import path

from consonance.contact import staff_views

app_name = "contact_staff"

urlpatterns = [
    path("", staff_views.index, name="index"),
    path("<int:person_id>/", staff_views.conversation, name="conversation"),
    path("<int:person_id>/reply/", staff_views.reply, name="reply"),
    path("<int:person_id>/handled/", staff_views.handled, name="handled"),
    path("messages/<int:message_id>/journal/", staff_views.to_journal, name="to-journal"),
]
