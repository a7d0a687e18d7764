"""The page where a payer gives the account a refund paid by hand goes to (from her e-mail).

A forged or replaced link is a 404 (the site's friendly page); an expired or already used one, or
one for a refund that no longer waits, a calm 410 that says what to do. Submissions are rate
limited; bad input comes back with every field as she typed it.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from consonance.audit.services import actor_person
from consonance.lib.i18n import current_language
from consonance.lib.ratelimit import rate_limit_response, rate_limited
from consonance.payments.forms import RefundAccountForm
from consonance.payments.models import Refund, RefundAccount
from consonance.payments.refund_accounts import CATEGORY, refund_account_submit
from consonance.payments.tokens import LinkState, account_from_token
from consonance.privacy.policy import get_policy
from consonance.privacy.register import retention_sentence


def _gone(request: HttpRequest, reason: str) -> HttpResponse:
    return render(request, "payments/refund_account_gone.html", {"reason": reason}, status=410)


def _kept_for(language: str) -> str:
    """How long the account is kept: the policy's first rule for it (the one after the refund)."""
    policy = get_policy()
    rules = policy.rules_for(CATEGORY)
    return retention_sentence(policy, rules[0].id, language) if rules else ""


@require_http_methods(["GET", "POST"])
def refund_account(request: HttpRequest, token: str) -> HttpResponse:
    found = account_from_token(token)
    if found is LinkState.UNKNOWN:
        raise Http404("unknown refund link")
    if found is LinkState.EXPIRED:
        return _gone(request, "expired")
    assert isinstance(found, RefundAccount)
    if found.received_at is not None:
        return _gone(request, "used")
    if found.refund.status != Refund.Status.MANUAL:
        return _gone(request, "done")
    form = RefundAccountForm(request.POST) if request.method == "POST" else RefundAccountForm()
    if form.is_bound:
        if rate_limited(request, "refund_account"):
            return rate_limit_response(request)
        if form.is_valid() and form.account is not None:
            stored = refund_account_submit(
                account_id=found.pk,
                account=form.account,
                holder=form.cleaned_data["holder"],
                actor=actor_person(found.person_id),
            )
            return redirect("payments-refund-account-thanks") if stored else _gone(request, "used")
    context = {
        "form": form,
        "refund": found.refund,
        "order": found.refund.order,
        "kept_for": _kept_for(current_language()),
    }
    return render(
        request,
        "payments/refund_account.html",
        context,
        status=400 if form.is_bound else 200,
    )


def refund_account_thanks(request: HttpRequest) -> HttpResponse:
    return render(request, "payments/refund_account_thanks.html")
