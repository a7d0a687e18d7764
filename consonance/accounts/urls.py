from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext_lazy as _

from consonance.accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.home, name="home"),
    path(_("logga-ut/"), views.signout, name="signout"),
    path(_("privat/"), views.private, name="private"),
    path(_("privat/data/"), views.private_data, name="private-data"),
    path(_("radera/"), views.delete, name="delete"),
]
