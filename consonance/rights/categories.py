"""What the policy says about a category of data held about her (why, how long, who else) and
the entry a person's holdings keep for it: shared by her full holdings (data.py) and the client
card's deletion dates (dates.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from consonance.privacy.policy import Policy, RetentionRule
from consonance.privacy.register import retention_sentence
from consonance.rights.readable import Group


@dataclass
class RuleEnd:
    rule: RetentionRule
    until: dt.datetime | None  # None: the clock has not started (e.g. "until you delete it")
    text: str


@dataclass
class CategoryHeld:
    id: str
    name: str
    description: str
    source: str
    special: bool
    purposes: list[dict]
    recipients: list[dict]
    retention: list[dict]
    records: dict[str, list[dict]] = field(default_factory=dict)
    count: int = 0  # rows, for machines; people read `things`
    things: list[str] = field(default_factory=list)
    readable: list[Group] = field(default_factory=list)
    since: dt.datetime | None = None
    until: list[RuleEnd] = field(default_factory=list)
    legal_hold: str | None = None


def category_entry(
    held: dict[str, CategoryHeld], policy: Policy, category_id: str, language: str
) -> CategoryHeld | None:
    """`held`'s entry for a category of the policy (made on first use); None for any other."""
    if category_id not in policy.categories or category_id in held:
        return held.get(category_id)
    hold = next((r.legal_hold for r in policy.rules_for(category_id) if r.legal_hold), None)
    facts = category_facts(policy, category_id, language)
    held[category_id] = CategoryHeld(**facts, legal_hold=hold)
    return held[category_id]


def category_facts(policy: Policy, category_id: str, language: str) -> dict:
    """Why, how long and who else (P22, P24): every figure from the policy file."""
    category = policy.categories[category_id]
    purposes = []
    for pid in category.purposes:
        purpose = policy.purposes[pid]
        purposes.append(
            {
                "id": pid,
                "name": purpose.name.get(language),
                "legal_basis": purpose.legal_basis,
                "article": f"GDPR art. {purpose.article}",
                "special_category_article": (
                    f"GDPR art. {purpose.special_article}" if purpose.special_article else None
                ),
            }
        )
    recipients = []
    for rid in category.recipients:
        recipient = policy.recipients[rid]
        recipients.append(
            {
                "id": rid,
                "name": recipient.name,
                "role": recipient.role,
                "service": recipient.service.get(language),
                "transfer_outside_eea": recipient.transfer_outside_eea,
            }
        )
    retention = [
        {
            "rule": rule.id,
            "promise": rule.promise,
            "text": retention_sentence(policy, rule.id, language),
            "action": rule.action,
            "legal_hold": rule.legal_hold,
        }
        for rule in policy.rules_for(category_id)
    ]
    return {
        "id": category_id,
        "name": category.name.get(language),
        "description": category.description.get(language),
        "source": category.source.get(language),
        "special": category.special,
        "purposes": purposes,
        "recipients": recipients,
        "retention": retention,
    }
