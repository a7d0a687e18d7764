from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext_lazy as _

from consonance.newsletter import views

app_name = "newsletter"

urlpatterns = [
    path("", views.signup, name="signup"),
    path(_("bekrafta/<str:token>/"), views.confirm, name="confirm"),
    path(_("avregistrera/<str:token>/"), views.unsubscribe, name="unsubscribe"),
]
