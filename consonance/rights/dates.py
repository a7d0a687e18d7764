"""When each kind of data held about a person is deleted, for the coach's client card: the
categories of `data.holdings_of` with their retention ends, from one planned statement
(privacy.clocks) instead of reading her rows of every table.

Only what the card shows is filled in: each category's facts (name, rules, legal hold), how many
rows hold it, and until when each rule keeps it; `since`, `things` and the rows stay empty (her
own page and her export read her rows: `data.holdings_of`).
"""

from __future__ import annotations

import datetime as dt

from consonance.people.models import Person
from consonance.privacy.clocks import person_clocks
from consonance.privacy.policy import RetentionRule, get_policy
from consonance.privacy.register import retention_sentence
from consonance.privacy.registry import registry
from consonance.rights.categories import CategoryHeld, RuleEnd, category_entry


def person_deletion_dates(person: Person, *, language: str = "sv") -> list[CategoryHeld]:
    """Her categories, in the policy's order, each with when its rules delete it: the latest
    expiry among her rows, or none ("tills vidare") when some row's clock has not started."""
    policy = get_policy()
    clocks = person_clocks(person.pk)
    held: dict[str, CategoryHeld] = {}
    ends_by_category: dict[str, dict[str, tuple[RetentionRule, dt.datetime | None]]] = {}
    for declaration in registry():
        found = clocks.get(declaration.model)
        if found is None:
            continue
        for holding in declaration.holdings:
            cid = holding.category
            entry = category_entry(held, policy, cid, language)
            if entry is None:
                continue
            entry.count += found.rows
            ends_of = ends_by_category.setdefault(cid, {})
            for rule in policy.rules_for(cid):
                path = holding.clocks.get(rule.after)
                latest = found.latest.get(path) if path else None
                until = (
                    rule.expires(latest)
                    if path and latest is not None and not found.unstarted[path]
                    else None
                )
                known = ends_of.get(rule.id)
                # The longest-lived row decides; a clock not started outlasts any date.
                if known is None or (known[1] is not None and (until is None or until > known[1])):
                    ends_of[rule.id] = (rule, until)
    for cid, ends_of in ends_by_category.items():
        held[cid].until = [
            RuleEnd(rule, until, retention_sentence(policy, rule.id, language))
            for rule, until in ends_of.values()
        ]
    order = list(policy.categories)
    return sorted(held.values(), key=lambda c: order.index(c.id))
