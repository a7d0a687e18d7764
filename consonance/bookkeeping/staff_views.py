"""The coach's bookkeeping pages ("Bokföring"): vouchers by year and series, SIE 4 download and
verification, the year's invoices and receipts as PDF in a zip, the VAT summary, and the Fortnox
connection with the state of each voucher."""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from consonance.audit.services import actor_staff_request, audit_append
from consonance.bookkeeping import fortnox as fx
from consonance.bookkeeping import pdf, selectors
from consonance.bookkeeping.fiscal import FiscalYear, fiscal_year_ending_in
from consonance.bookkeeping.forms import SieUploadForm
from consonance.bookkeeping.models import Document, FortnoxPosting, Voucher
from consonance.bookkeeping.sie_reader import read_sie
from consonance.bookkeeping.sie_writer import SieExportError, sie_export
from consonance.bookkeeping.views import pdf_response
from consonance.lib.money import format_amount

_STATE_KEY = "fortnox_oauth_state"


def _year(request: HttpRequest) -> tuple[FiscalYear, list[FiscalYear]]:
    years = selectors.fiscal_years()
    wanted = request.GET.get("ar", "")
    if wanted.isdigit() and len(wanted) == 4:
        return fiscal_year_ending_in(int(wanted)), years
    return years[0], years


def vouchers(request: HttpRequest) -> HttpResponse:
    year, years = _year(request)
    series = request.GET.get("serie", "")
    series = series if series.isascii() and series.isalnum() and len(series) <= 2 else ""
    listed = selectors.vouchers_in(year, series).prefetch_related("rows")
    return render(
        request,
        "bookkeeping/staff/vouchers.html",
        {
            "year": year,
            "years": years,
            "series": series,
            "all_series": selectors.series_in(year),
            "vouchers": listed[:500],
            "count": listed.count(),
            "documents": selectors.documents_count(year),
            "fortnox_state": fx.connection_state() if fx.is_configured() else "",
        },
    )


def voucher_detail(request: HttpRequest, pk: int) -> HttpResponse:
    voucher = get_object_or_404(Voucher, pk=pk)
    return render(
        request,
        "bookkeeping/staff/voucher.html",
        {
            "voucher": voucher,
            "rows": voucher.rows.all(),
            "followers": voucher.followers.all(),
            "posting": FortnoxPosting.objects.filter(voucher=voucher).first(),
            "amount": format_amount(voucher.amount),
        },
    )


def sie_download(request: HttpRequest, year: int) -> HttpResponse:
    if not 1900 < year < 3000:
        raise Http404("no such year")
    fiscal = fiscal_year_ending_in(year)
    try:
        data = sie_export(fiscal)
    except SieExportError as error:
        messages.error(request, str(error))
        return redirect("bookkeeping-staff")
    response = HttpResponse(data, content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="bokforing-{year}.se"'
    return response


def document_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """One invoice or receipt as PDF, in the books' language."""
    found = get_object_or_404(Document, pk=pk)
    name, data = pdf.document_pdf_in(found, pdf.ZIP_LANGUAGE)
    return pdf_response(data, name)


def documents_zip(request: HttpRequest, year: int) -> HttpResponse:
    """Every invoice and receipt of the fiscal year ending in `year`, for the accountant."""
    if not 1900 < year < 3000:
        raise Http404("no such year")
    fiscal = fiscal_year_ending_in(year)
    data, count = pdf.documents_zip(fiscal)
    audit_append(
        actor=actor_staff_request(request),
        action="document.zip_downloaded",
        category="bookkeeping",
        detail={"year": year, "documents": count},
    )
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="kvitton-och-fakturor-{year}.zip"'
    return response


def verify(request: HttpRequest) -> HttpResponse:
    result = None
    form = (
        SieUploadForm(request.POST, request.FILES) if request.method == "POST" else SieUploadForm()
    )
    if form.is_bound and form.is_valid():
        upload = form.cleaned_data["file"]
        result = read_sie(upload.read(), upload.name or "")
    return render(request, "bookkeeping/staff/verify.html", {"form": form, "result": result})


def vat(request: HttpRequest) -> HttpResponse:
    year, years = _year(request)
    monthly, quarterly, total = selectors.vat_summary(year)
    return render(
        request,
        "bookkeeping/staff/vat.html",
        {"year": year, "years": years, "monthly": monthly, "quarterly": quarterly, "total": total},
    )


def fortnox(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("status", "")
    postings = selectors.fortnox_postings(state if state in FortnoxPosting.State.values else "")
    return render(
        request,
        "bookkeeping/staff/fortnox.html",
        {
            "configured": fx.is_configured(),
            "connection": fx.connection_state(),
            "counts": selectors.fortnox_counts(),
            "postings": postings[:300],
            "state": state,
            "states": FortnoxPosting.State.choices,
        },
    )


@require_POST
def fortnox_connect(request: HttpRequest) -> HttpResponse:
    if not fx.is_configured():
        messages.error(
            request, _("Fortnox är inte anslutet än: klient-id och hemlighet saknas på servern.")
        )
        return redirect("bookkeeping-staff-fortnox")
    state = secrets.token_urlsafe(24)
    request.session[_STATE_KEY] = state
    return redirect(fx.authorize_url(state))


def fortnox_callback(request: HttpRequest) -> HttpResponse:
    expected = request.session.pop(_STATE_KEY, None)
    code = request.GET.get("code", "")
    if not expected or request.GET.get("state") != expected or not code:
        messages.error(request, _("Anslutningen till Fortnox misslyckades. Försök igen."))
        return redirect("bookkeeping-staff-fortnox")
    try:
        fx.fortnox_connect(code=code[:500], actor=actor_staff_request(request))
    except fx.FortnoxError:
        messages.error(request, _("Fortnox godtog inte anslutningen. Försök igen."))
        return redirect("bookkeeping-staff-fortnox")
    queued = fx.fortnox_queue_missing()
    messages.success(
        request,
        _("Fortnox är anslutet. %(count)s verifikationer skickas dit.") % {"count": queued},
    )
    return redirect("bookkeeping-staff-fortnox")


@require_POST
def fortnox_disconnect(request: HttpRequest) -> HttpResponse:
    fx.fortnox_disconnect(actor=actor_staff_request(request))
    messages.success(request, _("Fortnox är bortkopplat."))
    return redirect("bookkeeping-staff-fortnox")


@require_POST
def fortnox_retry(request: HttpRequest, pk: int) -> HttpResponse:
    if fx.fortnox_retry(posting_id=pk, actor=actor_staff_request(request)):
        messages.success(request, _("Verifikationen skickas igen."))
    return redirect("bookkeeping-staff-fortnox")
