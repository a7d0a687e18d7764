"""The coach's bookkeeping pages ("Bokföring"): vouchers by year and series, SIE 4 download and
verification, the year's invoices and receipts as PDF in a zip, the VAT summary, and the Fortnox
connection with the state of each voucher."""

from __future__ import annotations

import csv
import datetime as dt
import secrets
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from consonance.audit.services import actor_staff_request, audit_append
from consonance.bookkeeping import fortnox as fx
from consonance.bookkeeping import pdf, selectors
from consonance.bookkeeping import vat as vat_module
from consonance.bookkeeping.fiscal import FiscalYear, fiscal_year_ending_in, fiscal_year_for
from consonance.bookkeeping.forms import CorrectionForm, SieUploadForm
from consonance.bookkeeping.glance import charts
from consonance.bookkeeping.models import Document, FortnoxPosting, Voucher
from consonance.bookkeeping.services import voucher_correct
from consonance.bookkeeping.sie_reader import read_sie
from consonance.bookkeeping.sie_writer import SieExportError, sie_export
from consonance.bookkeeping.views import pdf_response
from consonance.lib.money import format_amount
from consonance.people.selectors import identities_read

_STATE_KEY = "fortnox_oauth_state"


def _year(request: HttpRequest) -> tuple[FiscalYear, list[FiscalYear]]:
    years = selectors.fiscal_years()
    wanted = request.GET.get("ar", "")
    if wanted.isdigit() and len(wanted) == 4:
        return fiscal_year_ending_in(int(wanted)), years
    return years[0], years


PAGE_SIZE = 50


def _filters(request: HttpRequest, year: FiscalYear) -> dict:
    """The list's filters from the address, each dropped when it is not one of the year's."""
    series = request.GET.get("serie", "")
    month = request.GET.get("manad", "")
    account = request.GET.get("konto", "")
    return {
        "series": series if series in selectors.series_in(year) else "",
        "month": int(month) if month.isdigit() and 1 <= int(month) <= 12 else None,
        "account": account if account.isdigit() and len(account) == 4 else "",
    }


def vouchers(request: HttpRequest) -> HttpResponse:
    year, years = _year(request)
    chosen = _filters(request, year)
    listed = selectors.vouchers_in(year, **chosen).prefetch_related("rows")
    asked = request.GET.get("sida", "")
    number = int(asked) if asked.isascii() and asked.isdigit() and len(asked) < 7 else 1
    page = Paginator(listed, PAGE_SIZE).get_page(number)  # past the end: the last page
    page.object_list = identities_read(list(page.object_list))  # payers' names: one key read
    kept = {
        "ar": year.end.year,
        "serie": chosen["series"],
        "manad": chosen["month"] or "",
        "konto": chosen["account"],
    }
    return render(
        request,
        "bookkeeping/staff/vouchers.html",
        {
            "year": year,
            "years": years,
            **chosen,
            "all_series": selectors.series_in(year),
            "months": selectors.months_in(year),
            "accounts": selectors.accounts_in(year),
            "page": page,
            "query": urlencode({k: v for k, v in kept.items() if v}),
            "filtered": any(chosen.values()),
            "documents": selectors.documents_count(year),
            "fortnox_state": fx.connection_state() if fx.is_configured() else "",
        },
    )


def glance(request: HttpRequest) -> HttpResponse:
    """Numbers at a glance: income and sessions per month, open invoices (SVG, no script)."""
    year, years = _year(request)
    return render(
        request,
        "bookkeeping/staff/glance.html",
        {"year": year, "years": years, "charts": charts(year, timezone.localdate())},
    )


def voucher_detail(request: HttpRequest, pk: int) -> HttpResponse:
    voucher = get_object_or_404(Voucher, pk=pk)
    followers = voucher.followers.all()
    return render(
        request,
        "bookkeeping/staff/voucher.html",
        {
            "voucher": voucher,
            "rows": voucher.rows.all(),
            "followers": followers,
            "corrected": any(f.kind == Voucher.Kind.CORRECTION for f in followers),
            "posting": FortnoxPosting.objects.filter(voucher=voucher).first(),
            "amount": format_amount(voucher.amount),
        },
    )


def voucher_correction(request: HttpRequest, pk: int) -> HttpResponse:
    """Reverse a voucher with a new one, after she has said why and confirmed."""
    voucher = get_object_or_404(Voucher, pk=pk)
    done = voucher.followers.filter(kind=Voucher.Kind.CORRECTION).first()
    if done is not None:
        messages.info(
            request, _("Verifikationen är redan rättad med %(label)s.") % {"label": done.label}
        )
        return redirect("bookkeeping_staff:voucher", done.pk)
    form = CorrectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        correction = voucher_correct(
            voucher_id=voucher.pk,
            actor=actor_staff_request(request),
            reason=form.cleaned_data["reason"],
        )
        messages.success(
            request,
            _("%(label)s är skapad och vänder %(original)s.")
            % {"label": correction.label, "original": voucher.label},
        )
        return redirect("bookkeeping_staff:voucher", correction.pk)
    return render(
        request,
        "bookkeeping/staff/correction.html",
        {
            "voucher": voucher,
            "rows": [(row.account, row.amount, -row.amount) for row in voucher.rows.all()],
            "form": form,
            "today": timezone.localdate(),
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
        return redirect("bookkeeping_staff:index")
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
    """The VAT return's boxes for one reporting period (by default the last one that has
    ended), and every period of its fiscal year beside it."""
    chosen = vat_module.period_from_key(request.GET.get("period", ""))
    today = timezone.localdate()
    if chosen is None and "ar" in request.GET:
        periods = vat_module.periods_in(_year(request)[0])
        ended = [period for period in periods if period.end < today]
        chosen = ended[-1] if ended else periods[0]
    if chosen is None:
        chosen = vat_module.period_for(vat_module.period_for(today).start - dt.timedelta(days=1))
    year = fiscal_year_for(chosen.start)
    years = selectors.fiscal_years()
    if year not in years:
        years = sorted([*years, year], key=lambda y: y.start, reverse=True)
    return render(
        request,
        "bookkeeping/staff/vat.html",
        {
            "report": vat_module.vat_return(chosen),
            "year": year,
            "years": years,
            "reports": vat_module.vat_returns(year),
            "kind": settings.VAT_PERIOD,
        },
    )


def vat_csv(request: HttpRequest, key: str) -> HttpResponse:
    period = vat_module.period_from_key(key)
    if period is None:
        raise Http404("no such period")
    english = translation.get_language().startswith("en")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="moms-{period.key}.csv"'
    response.write("\ufeff")  # so that a spreadsheet program reads the file as UTF-8
    writer = csv.writer(response, delimiter="," if english else ";")
    writer.writerows(
        vat_module.vat_csv_rows(vat_module.vat_return(period), "." if english else ",")
    )
    return response


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
        return redirect("bookkeeping_staff:fortnox")
    state = secrets.token_urlsafe(24)
    request.session[_STATE_KEY] = state
    return redirect(fx.authorize_url(state))


def fortnox_callback(request: HttpRequest) -> HttpResponse:
    expected = request.session.pop(_STATE_KEY, None)
    code = request.GET.get("code", "")
    if not expected or request.GET.get("state") != expected or not code:
        messages.error(request, _("Anslutningen till Fortnox misslyckades. Försök igen."))
        return redirect("bookkeeping_staff:fortnox")
    try:
        fx.fortnox_connect(code=code[:500], actor=actor_staff_request(request))
    except fx.FortnoxError:
        messages.error(request, _("Fortnox godtog inte anslutningen. Försök igen."))
        return redirect("bookkeeping_staff:fortnox")
    queued = fx.fortnox_queue_missing()
    messages.success(
        request,
        _("Fortnox är anslutet. %(count)s verifikationer skickas dit.") % {"count": queued},
    )
    return redirect("bookkeeping_staff:fortnox")


@require_POST
def fortnox_disconnect(request: HttpRequest) -> HttpResponse:
    fx.fortnox_disconnect(actor=actor_staff_request(request))
    messages.success(request, _("Fortnox är bortkopplat."))
    return redirect("bookkeeping_staff:fortnox")


@require_POST
def fortnox_retry(request: HttpRequest, pk: int) -> HttpResponse:
    if fx.fortnox_retry(posting_id=pk, actor=actor_staff_request(request)):
        messages.success(request, _("Verifikationen skickas igen."))
    return redirect("bookkeeping_staff:fortnox")
