from __future__ import annotations

from django.urls import path

from consonance.bookkeeping import views

urlpatterns = [
    path("<str:token>/", views.document, name="bookkeeping-document"),
    path("<str:token>/pdf/", views.document_pdf_download, name="bookkeeping-document-pdf"),
]
