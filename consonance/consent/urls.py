from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext_lazy as _

from consonance.consent import views

app_name = "consent"

urlpatterns = [
    path(_("cookieinstallningar/"), views.cookie_settings, name="cookies"),
]
