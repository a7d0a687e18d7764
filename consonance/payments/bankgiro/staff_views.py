"""Staff pages for Bankgiro: upload a BgMax file, preview it, apply it; imports; unmatched money.

Between preview and apply the file waits in VAR_DIR/bankgiro-staging, stripped of what the
import never needs (P8): payer names, addresses, organisation numbers, free texts and sender
bankgiro numbers are blanked, keeping every line in its place so line numbers stay true. The
signed token in the preview form names the staged file and the original file's checksum.
"""

from __future__ import annotations

from pathlib import Path

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from consonance.audit.services import actor_staff_request
from consonance.payments.bankgiro.bgmax_reader import BgMaxError
from consonance.payments.bankgiro.forms import UploadForm
from consonance.payments.bankgiro.imports import ImportReport, PaymentLine
from consonance.payments.bankgiro.matching import MatchRefused, bankgiro_payment_match
from consonance.payments.bankgiro.models import BankPayment, ImportedFile
from consonance.payments.bankgiro.selectors import (
    imports_recent,
    open_invoices_count,
    payments_of_file,
    payments_unmatched_open,
)
from consonance.payments.bankgiro.services import bankgiro_payment_resolve
from consonance.payments.bankgiro.staging import (
    StagingExpired,
    bankgiro_apply_staged,
    bankgiro_stage,
)
from consonance.payments.providers.config import bankgiro_number

MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # 100 000 payments with names take about 40 MB

REASONS = {
    "no_reference": gettext_lazy("Ingen referens angavs"),
    "no_invoice": gettext_lazy("Ingen öppen faktura har den här referensen"),
    "several_invoices": gettext_lazy("Referenserna pekar på flera fakturor"),
    "currency": gettext_lazy("Betald i en annan valuta än fakturan"),
}


def _lines(lines: list[PaymentLine]) -> list[dict]:
    return [
        {
            "deposit": line.deposit,
            "line": line.line,
            "reference": line.reference,
            "amount": line.amount,
            "currency": line.currency,
            "date": line.date,
            "order_reference": line.order_reference,
            "state": line.state,
            "state_label": BankPayment.State(line.state).label,
            "reason": REASONS.get(line.reason, ""),
        }
        for line in lines
    ]


def _report_context(report: ImportReport) -> dict:
    return {
        "report": report,
        "deposits": report.deposits,
        "matched": _lines(report.matched),
        "unmatched": _lines(report.unmatched),
        "deductions": _lines(report.deductions),
        "already_recorded": _lines(report.already_recorded),
    }


def _index(request: HttpRequest, form: UploadForm, status: int = 200) -> HttpResponse:
    return render(
        request,
        "bankgiro/index.html",
        {
            "form": form,
            "imports": imports_recent(),
            "unmatched": payments_unmatched_open(),
            "reasons": REASONS,
            "bankgiro": bankgiro_number(),
            "open_invoices": open_invoices_count(),
        },
        status=status,
    )


def index(request: HttpRequest) -> HttpResponse:
    return _index(request, UploadForm())


@require_POST
def upload(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _index(request, form, status=400)
    upload_file = form.cleaned_data["file"]
    if upload_file.size > MAX_UPLOAD_BYTES:
        form.add_error("file", _("Filen är för stor för att vara en BgMax-fil."))
        return _index(request, form, status=400)
    filename = Path(upload_file.name or "bgmax.txt").name[:200]
    try:
        report, token = bankgiro_stage(
            data=upload_file.read(), filename=filename, actor=actor_staff_request(request)
        )
    except BgMaxError as error:
        form.add_error(
            "file",
            _("Filen kunde inte läsas och ingenting har ändrats. Fel på rad %(line)s: %(reason)s")
            % {"line": error.line, "reason": error.reason},
        )
        form.bgmax_error = str(error)  # type: ignore[attr-defined]  # "file:line: reason"
        return _index(request, form, status=400)
    context = _report_context(report)
    if token is not None:
        context["token"] = token
    return render(request, "bankgiro/preview.html", context)


@require_POST
def apply(request: HttpRequest) -> HttpResponse:
    try:
        report = bankgiro_apply_staged(
            token=request.POST.get("token", ""), actor=actor_staff_request(request)
        )
    except StagingExpired:
        messages.error(request, _("Förhandsgranskningen har gått ut. Ladda upp filen igen."))
        return redirect("bankgiro:index")
    if report.applied:
        messages.success(
            request,
            _(
                "Filen är inläst: %(matched)s betalningar bokförda på fakturor, "
                "%(unmatched)s som inte kunde matchas."
            )
            % {"matched": len(report.matched), "unmatched": len(report.unmatched)},
        )
    else:
        messages.info(request, _("Filen var redan inläst. Ingenting har ändrats."))
    return redirect("bankgiro:import-detail", pk=report.imported_file_id)


def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    imported = get_object_or_404(ImportedFile, pk=pk)
    payments = payments_of_file(imported)
    return render(
        request,
        "bankgiro/detail.html",
        {
            "imported": imported,
            "deposits": [
                {
                    "serial": d.serial,
                    "date": d.payment_date,
                    "receiving_bankgiro": d.receiving_bankgiro,
                    "amount": d.amount,
                    "currency": d.currency,
                    "payments": d.payment_count,
                }
                for d in imported.deposits.all()
            ],
            "payments": payments,
            "reasons": REASONS,
        },
    )


@require_POST
def payment_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    payment = get_object_or_404(BankPayment, pk=pk, state=BankPayment.State.UNMATCHED)
    bankgiro_payment_resolve(payment_id=payment.pk, actor=actor_staff_request(request))
    messages.success(request, _("Betalningen är markerad som hanterad."))
    return redirect("bankgiro:index")


@require_POST
def payment_match(request: HttpRequest, pk: int) -> HttpResponse:
    """The coach names the order an unmatched payment pays (its reference or OCR number)."""
    payment = get_object_or_404(BankPayment, pk=pk)
    reference = request.POST.get("reference", "")[:40]
    try:
        order = bankgiro_payment_match(
            payment_id=payment.pk, order_reference=reference, actor=actor_staff_request(request)
        )
    except MatchRefused:
        messages.error(
            request,
            _("Ingen order med referensen %(reference)s tar emot betalningen.")
            % {"reference": reference or "–"},
        )
        return redirect("bankgiro:index")
    messages.success(
        request,
        _("Betalningen är kopplad till order %(reference)s.") % {"reference": order.reference},
    )
    return redirect("bankgiro:index")
