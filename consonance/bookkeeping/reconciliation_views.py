"""The coach's reconciliation page ("Avstämning"): per provider and month, what came in, the
fees, what reached the bank and what is still on its way, with every difference in words."""

from __future__ import annotations

import datetime as dt
import re

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from consonance.bookkeeping.reconciliation import month_bounds, providers, reconcile

_MONTH = re.compile(r"(20\d\d)-(0[1-9]|1[0-2])")


def _month(request: HttpRequest, today: dt.date) -> tuple[int, int]:
    wanted = _MONTH.fullmatch(request.GET.get("manad", ""))
    if wanted:
        return int(wanted[1]), int(wanted[2])
    return today.year, today.month


def _shift(year: int, month: int, by: int) -> str:
    index = year * 12 + month - 1 + by
    return f"{index // 12}-{index % 12 + 1:02d}"


def reconciliation(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    year, month = _month(request, today)
    provider = request.GET.get("via", "")
    reconciled = providers()
    provider = provider if provider in reconciled else next(iter(reconciled))
    result = reconcile(provider, year, month, today=today)
    start, end = month_bounds(year, month)
    return render(
        request,
        "bookkeeping/staff/reconciliation.html",
        {
            "r": result,
            "providers": reconciled.items(),
            "month_value": f"{year}-{month:02d}",
            "month_start": start,
            "month_last": end - dt.timedelta(days=1),
            "previous": _shift(year, month, -1),
            "next": _shift(year, month, 1) if end <= today else "",
        },
    )
