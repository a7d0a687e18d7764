"""The public privacy policy and register of processing, generated from the policy file."""

from __future__ import annotations

import csv
import json

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from consonance.lib.i18n import current_language
from consonance.privacy.policy import get_policy
from consonance.privacy.register import (
    CSV_COLUMNS,
    build_register,
    register_as_dicts,
    register_as_rows,
    retention_sentence,
)
from consonance.privacy.registry import models_holding, stores_holding


def mailbox_provider() -> str:
    """Whose servers hold the coach's mailbox, when ingestion is configured (P16): what
    "deleted from the trash" means there differs ("gmail", "microsoft", "other" or "")."""
    host = settings.CONSONANCE_IMAP_HOST.strip().lower()
    if not host:
        return ""
    if host.endswith(("gmail.com", "googlemail.com")):
        return "gmail"
    if host.endswith(("office365.com", "outlook.com")):
        return "microsoft"
    return "other"


def policy_page(request: HttpRequest) -> HttpResponse:
    policy = get_policy()
    language = current_language()
    categories = []
    for category in policy.categories.values():
        categories.append(
            {
                "category": category,
                "name": category.name.get(language),
                "description": category.description.get(language),
                "source": category.source.get(language),
                "purposes": [policy.purposes[p] for p in category.purposes],
                "retention": [
                    retention_sentence(policy, r.id, language)
                    for r in policy.rules_for(category.id)
                ],
                "rules": policy.rules_for(category.id),
                "recipients": [policy.recipients[r] for r in category.recipients],
                "stored": bool(models_holding(category.id) or stores_holding(category.id)),
            }
        )
    context = {
        "language": language,
        "categories": categories,
        "purposes": policy.purposes.values(),
        "recipients": policy.recipients.values(),
        # P20: the reasons I write to a client, from the same list the outbox enforces.
        "communication": [
            c.text.get(language) for c in policy.communication.values() if c.audience == "client"
        ],
        "backup_retention": policy.backup_retention.render(language),
        "key_backup_days": settings.KEY_BACKUP_DAYS,  # operations/backup_keys.py
        "deadlines": [
            {
                "name": d.name.get(language),
                "promise": d.promise,
                "duration": d.duration.render(language),
            }
            for d in policy.deadlines.values()
        ],
        "cookies": [
            {
                "name": c.name,
                "purpose": c.purpose.get(language),
                "necessary": c.necessary,
                "duration": c.duration.render(language),
            }
            for c in policy.cookies
        ],
        "optional_cookies": [c for c in policy.cookies if not c.necessary],
        "mailbox": mailbox_provider(),
        "outside_eea": [r for r in policy.recipients.values() if r.transfer_outside_eea],
    }
    return render(request, f"privacy/policy_{language}.html", context)


def register_page(request: HttpRequest) -> HttpResponse:
    language = current_language()
    return render(
        request,
        "privacy/register.html",
        {"entries": build_register(get_policy(), language), "language": language},
    )


def register_download(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in ("json", "csv"):
        raise Http404
    policy, language = get_policy(), current_language()
    if fmt == "json":
        return HttpResponse(
            json.dumps(register_as_dicts(policy, language), ensure_ascii=False, indent=2),
            content_type="application/json; charset=utf-8",
        )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="registerforteckning.csv"'
    writer = csv.DictWriter(response, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    writer.writerows(register_as_rows(policy, language))
    return response
