"""The order in which the retention engine runs the rules, and a rule's models within it."""

from __future__ import annotations

from consonance.privacy.policy import Policy, RetentionRule
from consonance.privacy.registry import Holding, PersonalModel, models_holding
from consonance.privacy.retention_query import cascade_categories, cascade_children


def _shielding_categories(rule: RetentionRule) -> set[str]:
    found = set(rule.unless)
    for declaration, _holding in models_holding(rule.category):
        found |= {c for _d, _p, c in cascade_categories(rule, declaration)}
    return found - {rule.category}


_ordered: dict[int, tuple[Policy, list[RetentionRule]]] = {}


def ordered_rules(policy: Policy) -> list[RetentionRule]:
    """Policy order, except that a rule runs before the rules its category can shield (worked
    out once per policy and process)."""
    found = _ordered.get(id(policy))
    if found is None or found[0] is not policy:
        found = _ordered[id(policy)] = (policy, _order(policy))
    return list(found[1])


def _order(policy: Policy) -> list[RetentionRule]:
    pending = list(policy.retention)
    needs = {rule.id: _shielding_categories(rule) for rule in pending}
    ordered: list[RetentionRule] = []
    while pending:
        remaining = {r.category for r in pending}
        ready = next((r for r in pending if not (needs[r.id] & (remaining - {r.category}))), None)
        rule = ready or pending[0]  # a cycle: keep the policy's order
        ordered.append(rule)
        pending.remove(rule)
    return ordered


def models_in_order(rule: RetentionRule) -> list[tuple[PersonalModel, Holding]]:
    """Dependent models first (events before their order), so counts say what went where."""
    pairs = models_holding(rule.category)
    labels = {d.model_class for d, _h in pairs}

    def depth(declaration: PersonalModel) -> int:
        parents = {
            c
            for c in labels
            for child, _p in cascade_children(c)
            if child is declaration.model_class
        }
        return -len(parents)

    return sorted(pairs, key=lambda pair: depth(pair[0]))
