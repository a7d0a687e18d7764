from __future__ import annotations

from django.urls import path

from consonance.bookkeeping import reconciliation_views, staff_views

app_name = "bookkeeping_staff"

urlpatterns = [
    path("", staff_views.vouchers, name="index"),
    path("<int:pk>/", staff_views.voucher_detail, name="voucher"),
    path("<int:pk>/correction/", staff_views.voucher_correction, name="voucher-correction"),
    path("sie/<int:year>.se", staff_views.sie_download, name="sie"),
    path("documents/<int:pk>.pdf", staff_views.document_pdf, name="document-pdf"),
    path("documents/<int:year>.zip", staff_views.documents_zip, name="documents-zip"),
    path("verify/", staff_views.verify, name="verify"),
    path("glance/", staff_views.glance, name="glance"),
    path("vat/", staff_views.vat, name="vat"),
    path("vat/<str:key>.csv", staff_views.vat_csv, name="vat-csv"),
    path("reconciliation/", reconciliation_views.reconciliation, name="reconciliation"),
    path("fortnox/", staff_views.fortnox, name="fortnox"),
    path("fortnox/connect/", staff_views.fortnox_connect, name="fortnox-connect"),
    # Registered with Fortnox as the OAuth redirect address: it must not move.
    path("fortnox/callback/", staff_views.fortnox_callback, name="fortnox-callback"),
    path("fortnox/disconnect/", staff_views.fortnox_disconnect, name="fortnox-disconnect"),
    path("fortnox/<int:pk>/retry/", staff_views.fortnox_retry, name="fortnox-retry"),
]
