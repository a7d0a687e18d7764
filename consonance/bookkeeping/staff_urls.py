from __future__ import annotations

from django.urls import path

from consonance.bookkeeping import reconciliation_views, staff_views

urlpatterns = [
    path("", staff_views.vouchers, name="bookkeeping-staff"),
    path("<int:pk>/", staff_views.voucher_detail, name="bookkeeping-staff-voucher"),
    path(
        "<int:pk>/rattelse/",
        staff_views.voucher_correction,
        name="bookkeeping-staff-voucher-correction",
    ),
    path("sie/<int:year>.se", staff_views.sie_download, name="bookkeeping-staff-sie"),
    path("dokument/<int:pk>.pdf", staff_views.document_pdf, name="bookkeeping-staff-document-pdf"),
    path(
        "dokument/<int:year>.zip", staff_views.documents_zip, name="bookkeeping-staff-documents-zip"
    ),
    path("verifiera/", staff_views.verify, name="bookkeeping-staff-verify"),
    path("siffror/", staff_views.glance, name="bookkeeping-staff-glance"),
    path("moms/", staff_views.vat, name="bookkeeping-staff-vat"),
    path("moms/<str:key>.csv", staff_views.vat_csv, name="bookkeeping-staff-vat-csv"),
    path(
        "avstamning/",
        reconciliation_views.reconciliation,
        name="bookkeeping-staff-reconciliation",
    ),
    path("fortnox/", staff_views.fortnox, name="bookkeeping-staff-fortnox"),
    path("fortnox/anslut/", staff_views.fortnox_connect, name="bookkeeping-staff-fortnox-connect"),
    path(
        "fortnox/callback/", staff_views.fortnox_callback, name="bookkeeping-staff-fortnox-callback"
    ),
    path(
        "fortnox/koppla-fran/",
        staff_views.fortnox_disconnect,
        name="bookkeeping-staff-fortnox-disconnect",
    ),
    path(
        "fortnox/<int:pk>/igen/", staff_views.fortnox_retry, name="bookkeeping-staff-fortnox-retry"
    ),
]
