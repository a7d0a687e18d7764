from __future__ import annotations

import json

from django.db import models
from django.db.models import Q, QuerySet
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from django_tasks_db.models import DBTaskResult

from consonance.privacy.registry import Holding, PersonalModel, PersonalStore, Readable, Thing


def tasks_naming(texts: set[str]) -> QuerySet:
    """Background tasks whose arguments, result or error name her (most pass ids only). One
    query: the JSON columns are searched as text, with non-ASCII also as JSON escapes."""
    variants = texts | {json.dumps(t)[1:-1] for t in texts}
    query = Q(pk__in=[])
    for text in variants:
        query |= Q(_args__icontains=text) | Q(_result__icontains=text)
        query |= Q(traceback__icontains=text)
    return DBTaskResult.objects.annotate(
        _args=Cast("args_kwargs", models.TextField()),
        _result=Cast("return_value", models.TextField()),
    ).filter(query)


PERSONAL_DATA = [
    PersonalModel(
        "privacy.RetentionAgreement",
        subject="person",
        # The reason is written by the coach about one client: it goes with her contact details
        # (and so it is exported, erased and deleted with them).
        holdings=(
            Holding(
                "contact_details",
                fields=("reason",),
                clocks={"last_contact": "person__last_contact_at"},
            ),
        ),
        not_personal=("person", "rule_id", "until", "created_by", "created_at", "ended_at"),
        things=(
            Thing(
                ngettext_lazy(
                    "%(count)d överenskommelse om längre lagring",
                    "%(count)d överenskommelser om längre lagring",
                    "count",
                )
            ),
        ),
        readable=Readable(
            heading=_("Överenskommelser om längre lagring"),
            labels={
                "created_at": _("Gjord"),
                "reason": _("Skäl"),
                "until": _("Gäller till"),
                "ended_at": _("Upphörde"),
            },
        ),
    ),
    PersonalModel(
        "privacy.LegalHold",
        subject="person",
        holdings=(
            Holding(
                "contact_details",
                fields=("reason",),
                clocks={"last_contact": "person__last_contact_at"},
            ),
        ),
        not_personal=(
            "person",
            "category",
            "until",
            "created_by",
            "created_at",
            "lifted_at",
        ),
        things=(
            Thing(
                ngettext_lazy(
                    "%(count)d spärr mot radering", "%(count)d spärrar mot radering", "count"
                )
            ),
        ),
        readable=Readable(
            heading=_("Spärrar mot radering"),
            labels={
                "created_at": _("Gjord"),
                "reason": _("Skäl"),
                "until": _("Gäller till"),
                "lifted_at": _("Hävd"),
            },
        ),
    ),
]

PERSONAL_STORES = [
    PersonalStore(
        "django_tasks_database.DBTaskResult",
        subject="",
        holdings=(
            Holding(
                "background_tasks",
                fields=("args_kwargs", "return_value", "traceback"),
                clocks={"task_finished": "finished_at"},
            ),
        ),
        not_personal=(
            "status",
            "enqueued_at",
            "started_at",
            "finished_at",
            "priority",
            "task_path",
            "worker_ids",
            "queue_name",
            "backend_name",
            "run_after",
            "exception_class_path",
        ),
        things=(
            Thing(
                ngettext_lazy(
                    "%(count)d uppgift i bakgrunden", "%(count)d uppgifter i bakgrunden", "count"
                )
            ),
        ),
        readable=Readable(
            heading=_("Bakgrundsarbete"),
            labels={"task_path": _("Uppgift"), "enqueued_at": _("Lagd i kö")},
        ),
        find=tasks_naming,
    ),
]

NOT_PERSONAL = {
    "privacy.RetentionRun": "counts per rule and run of the retention engine; no values, no ids",
    "privacy.HolidayPeriod": "the practice's holiday dates and which staff account set them",
    "privacy.PracticeClosure": "the date the practice closes and which staff account decided it",
}
