"""Writes of the retention engine's records: agreements and legal holds, each audited."""

from __future__ import annotations

import datetime as dt

from django.db import models, transaction
from django.utils import timezone

from consonance.audit.services import audit_append
from consonance.privacy.models import LegalHold, RetentionAgreement
from consonance.privacy.policy import get_policy


class AgreementInvalid(ValueError):
    """The agreement cannot be recorded (unknown rule, a rule without agreements, a past date)."""


def agreeable_rules():
    """The rules that say "unless otherwise agreed" (agreements = true)."""
    return [rule for rule in get_policy().retention if rule.agreements]


def agreement_create(
    *,
    person: models.Model,  # the data subject (people.Person, above privacy)
    rule_id: str,
    until: dt.date,
    reason: str,
    actor: str,
    created_by_id: int | None = None,
) -> RetentionAgreement:
    """Record that the coach and the client agreed to keep data under `rule_id` until `until`."""
    rule = next((r for r in agreeable_rules() if r.id == rule_id), None)
    if rule is None:
        raise AgreementInvalid(f"rule {rule_id!r} does not allow agreements")
    if until <= timezone.localdate():
        raise AgreementInvalid("the end date must be in the future")
    reason = reason.strip()
    if not reason:
        raise AgreementInvalid("a reason is required")
    with transaction.atomic():
        agreement = RetentionAgreement.objects.create(
            person_id=person.pk,
            rule_id=rule_id,
            until=until,
            reason=reason,
            created_by_id=created_by_id,
        )
        audit_append(
            actor=actor,
            action="retention_agreement.created",
            subject_id=person.pk,
            category=rule.category,
            detail={"agreement": agreement.pk, "rule": rule_id, "until": until.isoformat()},
        )
    return agreement


def agreement_end(*, agreement: RetentionAgreement, actor: str) -> RetentionAgreement:
    """End an agreement now; the rule applies again from the engine's next run."""
    if agreement.ended_at is not None:
        return agreement
    with transaction.atomic():
        agreement.ended_at = timezone.now()
        agreement.save(update_fields=["ended_at"])
        audit_append(
            actor=actor,
            action="retention_agreement.ended",
            subject_id=agreement.person_id,
            detail={"agreement": agreement.pk, "rule": agreement.rule_id},
        )
    return agreement


def legal_hold_create(
    *,
    reason: str,
    actor: str,
    person: models.Model | None = None,  # the data subject, or every person
    category: str = "",
    until: dt.date | None = None,
    created_by_id: int | None = None,
) -> LegalHold:
    """Keep a person's data (all, or one category), or a whole category, from the engine."""
    if person is None and not category:
        raise ValueError("a legal hold names a person, a category, or both")
    if category and category not in get_policy().categories:
        raise ValueError(f"unknown category {category!r}")
    with transaction.atomic():
        hold = LegalHold.objects.create(
            person_id=person.pk if person else None,
            category=category,
            reason=reason.strip(),
            until=until,
            created_by_id=created_by_id,
        )
        audit_append(
            actor=actor,
            action="legal_hold.created",
            subject_id=person.pk if person else None,
            category=category,
            detail={"hold": hold.pk, "until": until.isoformat() if until else None},
        )
    return hold


def legal_hold_lift(*, hold: LegalHold, actor: str) -> LegalHold:
    if hold.lifted_at is not None:
        return hold
    with transaction.atomic():
        hold.lifted_at = timezone.now()
        hold.save(update_fields=["lifted_at"])
        audit_append(
            actor=actor,
            action="legal_hold.lifted",
            subject_id=hold.person_id,
            category=hold.category,
            detail={"hold": hold.pk},
        )
    return hold
