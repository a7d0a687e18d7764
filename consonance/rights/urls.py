from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext_lazy as _

from consonance.rights import views

app_name = "rights"

urlpatterns = [
    path("", views.start, name="start"),
    path(_("in/"), views.signin, name="signin"),
    path(_("oversikt/"), views.overview, name="overview"),
    path(_("ladda-ner/"), views.download, name="download"),
    path(_("ratta/"), views.rectify, name="rectify"),
    path(_("ratta/adress/<str:token>/"), views.address_confirm, name="address"),
    path(_("samtycke/nyhetsbrev/"), views.consent_withdraw, name="consent"),
    path(_("begransa/"), views.restrict, name="restrict"),
    path(_("begransa/hav/"), views.restrict_lift, name="restrict-lift"),
    path(_("invandning/"), views.object_marketing, name="object"),
    path(_("journal/"), views.journal, name="journal"),
    path(_("radera/"), views.erase, name="erase"),
    path(_("kvitto/<str:token>/"), views.receipt, name="receipt"),
    path(_("logga-ut/"), views.signout, name="signout"),
]
