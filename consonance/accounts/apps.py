from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "consonance.accounts"
    label = "accounts"
    verbose_name = "Member accounts"
