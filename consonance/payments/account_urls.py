"""The payer's page for the account of a refund paid by hand: /aterbetalning/<token>/ (English
under /en/refund/)."""

from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext_lazy as _

from consonance.payments import account_views

urlpatterns = [
    path(_("tack/"), account_views.refund_account_thanks, name="payments-refund-account-thanks"),
    path("<str:token>/", account_views.refund_account, name="payments-refund-account"),
]
