from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext_lazy as _

from consonance.contact import views

urlpatterns = [
    path("", views.contact, name="contact"),
    path(_("tack/"), views.thanks, name="contact-thanks"),
]
