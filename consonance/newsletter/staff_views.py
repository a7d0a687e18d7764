"""The coach's newsletter pages: write (Markdown, preview), test to herself, send, follow.

She sees counts only: never who subscribes or who got what (P1: no more personal data than
needed)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from consonance.audit.services import actor_staff_request
from consonance.mail.bulk import MailPurposeRefused
from consonance.newsletter.campaigns import (
    CampaignInvalid,
    NewsletterStopped,
    campaign_create,
    campaign_delete,
    campaign_start,
    campaign_update,
)
from consonance.newsletter.forms import CampaignForm
from consonance.newsletter.models import Campaign
from consonance.newsletter.render import markdown_html
from consonance.newsletter.selectors import (
    newsletter_stopped_at,
    subscriber_counts,
)
from consonance.newsletter.sending import campaign_progress, campaigns_progress
from consonance.newsletter.services import newsletter_delete_on, newsletter_restart, newsletter_stop


def _previews(data: dict) -> list[dict]:
    return [
        {"language": lang, "subject": data.get(f"subject_{lang}", ""),
         "html": markdown_html(data.get(f"body_{lang}", ""))}
        for lang in ("sv", "en")
        if data.get(f"body_{lang}", "").strip()
    ]  # fmt: skip


@require_http_methods(["GET", "POST"])
def index(request: HttpRequest) -> HttpResponse:
    form = CampaignForm(request.POST or None)
    previews: list[dict] = []
    if request.method == "POST" and form.is_valid():
        if request.POST.get("action") == "preview":
            previews = _previews(form.cleaned_data)
        else:
            try:
                campaign = campaign_create(**form.cleaned_data, actor=actor_staff_request(request))
            except CampaignInvalid as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request, _("Utkastet är sparat. Skicka ett test till dig själv först.")
                )
                return redirect("newsletter_staff:detail", campaign.pk)
    campaigns = list(Campaign.objects.filter(is_test=False).order_by("-created_at")[:30])
    progress = campaigns_progress(campaigns)
    return render(
        request,
        "newsletter/staff/index.html",
        {
            "form": form,
            "previews": previews,
            "counts": subscriber_counts(),
            "stopped_at": newsletter_stopped_at(),
            "campaigns": [(c, progress[c.pk]) for c in campaigns],
        },
    )


FIELDS = ("subject_sv", "subject_en", "body_sv", "body_en")


def _is_draft(campaign: Campaign) -> bool:
    return campaign.state == Campaign.State.DRAFT and not campaign.is_test


@require_http_methods(["GET", "POST"])
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A newsletter: its progress, or, while a draft, its text to edit (with a preview)."""
    campaign = get_object_or_404(Campaign, pk=pk)
    progress = campaign_progress(campaign)
    data = {f: getattr(campaign, f) for f in FIELDS}
    form = CampaignForm(request.POST or None, initial=data) if _is_draft(campaign) else None
    if request.method == "POST":
        if form is None:
            messages.error(request, _("Det här nyhetsbrevet är redan skickat och kan inte ändras."))
            return redirect("newsletter_staff:detail", pk)
        if form.is_valid():
            data = {f: form.cleaned_data[f] for f in FIELDS}
            if request.POST.get("action") != "preview":
                try:
                    campaign_update(campaign_id=pk, **data, actor=actor_staff_request(request))
                except CampaignInvalid:
                    messages.error(
                        request, _("Det här nyhetsbrevet är redan skickat och kan inte ändras.")
                    )
                else:
                    messages.success(request, _("Utkastet är sparat."))
                return redirect("newsletter_staff:detail", pk)
    return render(
        request,
        "newsletter/staff/detail.html",
        {
            "campaign": campaign,
            "progress": progress,
            "percent": round(100 * (progress.total - progress.pending) / progress.total)
            if progress.total
            else 0,
            "previews": _previews(data),
            "counts": subscriber_counts(),
            "refresh": campaign.state == Campaign.State.SENDING,
            "form": form,
        },
    )


@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete a draft: a page that asks first (no script needed), its button does it."""
    campaign = get_object_or_404(Campaign, pk=pk)
    if not _is_draft(campaign):
        messages.error(request, _("Bara ett utkast kan raderas."))
        return redirect("newsletter_staff:detail", pk)
    if request.method == "POST":
        try:
            campaign_delete(campaign_id=pk, actor=actor_staff_request(request))
        except CampaignInvalid:
            messages.error(request, _("Bara ett utkast kan raderas."))
            return redirect("newsletter_staff:detail", pk)
        messages.success(request, _("Utkastet är raderat."))
        return redirect("newsletter_staff:index")
    return render(
        request, "newsletter/staff/confirm.html", {"campaign": campaign, "action": "delete"}
    )


def send(request: HttpRequest, pk: int) -> HttpResponse:
    """Before a newsletter goes to every subscriber: what, to how many, and one more button."""
    campaign = get_object_or_404(Campaign, pk=pk)
    if not _is_draft(campaign):
        return redirect("newsletter_staff:detail", pk)
    data = {f: getattr(campaign, f) for f in FIELDS}
    return render(
        request,
        "newsletter/staff/confirm.html",
        {
            "campaign": campaign,
            "action": "send",
            "counts": subscriber_counts(),
            "previews": _previews(data),
        },
    )


@require_POST
def start(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=pk, is_test=False)
    test = request.POST.get("test") == "1"
    if not test and request.POST.get("confirmed") != "1":
        # Every subscriber gets it: only from the page that asked her first.
        return redirect("newsletter_staff:send", pk)
    try:
        started = campaign_start(campaign=campaign, actor=actor_staff_request(request), test=test)
    except NewsletterStopped:
        messages.error(request, _("Nyhetsbrevet har upphört; inget nytt kan skickas."))
        return redirect("newsletter_staff:detail", pk)
    except CampaignInvalid:
        messages.error(request, _("Det här nyhetsbrevet är redan skickat."))
        return redirect("newsletter_staff:detail", pk)
    except MailPurposeRefused:
        messages.error(
            request,
            _(
                "Nyhetsbrevet skickades inte: integritetspolicyn nämner inte nyhetsbrevet bland "
                "skälen att mejla. Lägg till det i policyfilen först."
            ),
        )
        return redirect("newsletter_staff:detail", pk)
    if test:
        messages.success(request, _("Ett test är på väg till din e-postadress."))
        return redirect("newsletter_staff:detail", pk)
    messages.success(request, _("Nyhetsbrevet skickas nu."))
    return redirect("newsletter_staff:detail", started.pk)


@require_http_methods(["GET", "POST"])
def stop(request: HttpRequest) -> HttpResponse:
    """What stopping the newsletter will do, with counts and the deletion date; the button's
    POST does it."""
    if newsletter_stopped_at() is not None:
        return redirect("newsletter_staff:index")
    if request.method == "POST":
        done = newsletter_stop(actor=actor_staff_request(request))
        if done is not None:
            messages.success(
                request,
                ngettext(
                    "Nyhetsbrevet har upphört. %(n)d prenumerant får ett sista besked.",
                    "Nyhetsbrevet har upphört. %(n)d prenumeranter får ett sista besked.",
                    done.told,
                )
                % {"n": done.told},
            )
        return redirect("newsletter_staff:index")
    counts = subscriber_counts()
    return render(
        request,
        "newsletter/staff/stop.html",
        {
            "told": counts["confirmed"],
            "unconfirmed": counts["unconfirmed"],
            "delete_on": newsletter_delete_on(timezone.now()),
            "sending": Campaign.objects.filter(state=Campaign.State.SENDING).exists(),
        },
    )


@require_POST
def restart(request: HttpRequest) -> HttpResponse:
    if newsletter_restart(actor=actor_staff_request(request)):
        messages.success(request, _("Nyhetsbrevet är igång igen: det går att anmäla sig."))
    return redirect("newsletter_staff:index")
