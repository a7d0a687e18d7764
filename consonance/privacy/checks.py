"""System checks that keep the code and the policy file in agreement.

They run at every start-up (`consonance check`, runserver, the worker, migrate, tests) and fail it
with an Error when personal data is held that the policy does not govern, or the policy promises
something the code cannot do.

  consonance.E001  the policy file is invalid
  consonance.E002  a model of a Consonance app has a field that is not declared
  consonance.E003  a declaration names a field the model does not have (or, in its readable
                   labels, an attribute; in its things, a lookup)
  consonance.E004  a declaration names a category the policy does not have
  consonance.E005  a category has no retention rule
  consonance.E006  the policy names a category that no model holds
  consonance.E007  a retention rule's clock event has no timestamp in a model holding its category
  consonance.E008  a keep_only rule keeps a field the category's models do not hold (or a rule
                   for a store's category does other than delete)
  consonance.E009  a declaration's subject path does not lead to a Person
  consonance.E010  a model is declared twice, or both personal and not personal
  consonance.E011  a ciphertext field declares no encryption context (or a declared one is no
                   binary field)
  consonance.E012  a mail type declares no purpose, or one the policy's [communication] list
                   does not name (P20; mail_types.py)
"""

from __future__ import annotations

from django.core import checks
from django.core.exceptions import FieldError
from django.db import models

from consonance.lib.identifiers import IdentifierField
from consonance.privacy.mail_types import mail_type_problems
from consonance.privacy.policy import Policy, PolicyInvalid, get_policy
from consonance.privacy.registry import (
    PersonalModel,
    field_at,
    models_holding,
    not_personal,
    project_models,
    registry,
    stores,
    stores_holding,
)


@checks.register("consonance")
def check_policy_and_registry(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    try:
        policy = get_policy()
    except PolicyInvalid as invalid:
        return [
            checks.Error(str(problem), id="consonance.E001", hint="Run `consonance policy check`.")
            for problem in invalid.problems
        ]
    except OSError as error:
        return [checks.Error(f"cannot read the policy file: {error}", id="consonance.E001")]
    return [
        *_check_models_declared(),
        *_check_declarations(policy),
        *_check_stores(policy),
        *_check_policy_covered(policy),
        *(
            checks.Error(str(problem), id="consonance.E012", hint="Run `consonance policy check`.")
            for problem in mail_type_problems(policy)
        ),
    ]


def _field_names(model: type[models.Model]) -> set[str]:
    return {f.name for f in model._meta.get_fields() if f.concrete and not f.auto_created}


def _check_models_declared() -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    declared = {d.model: d for d in registry()}
    exempt = not_personal()
    labels = [d.model for d in registry()]
    for label in {lbl for lbl in labels if labels.count(lbl) > 1} | (
        declared.keys() & exempt.keys()
    ):
        errors.append(checks.Error(f"{label} is declared more than once", id="consonance.E010"))
    for model in project_models():
        label = model._meta.label
        if label in exempt:
            continue
        declaration = declared.get(label)
        fields = _field_names(model)
        if declaration is None:
            errors.append(
                checks.Error(
                    f"{label} is not declared in the registry of personal data",
                    hint=f"Add it to {model._meta.app_config.name}.personal_data: PERSONAL_DATA "
                    "or NOT_PERSONAL.",
                    obj=model,
                    id="consonance.E002",
                )
            )
            continue
        classified = set(declaration.personal_fields) | set(declaration.not_personal)
        # An encrypted identifier's blind index goes with it (lib/identifiers.py).
        classified |= {
            f.index
            for f in model._meta.concrete_fields
            if isinstance(f, IdentifierField) and f.index
        }
        for name in sorted(fields - classified - {model._meta.pk.name}):
            errors.append(
                checks.Error(
                    f"{label}.{name} is not declared: say which category of personal data it "
                    "holds, or list it in not_personal",
                    obj=model,
                    id="consonance.E002",
                )
            )
    return errors


def _check_declarations(policy: Policy) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    for declaration in registry():
        try:
            model = declaration.model_class
        except LookupError:
            errors.append(checks.Error(f"{declaration.model} is not a model", id="consonance.E003"))
            continue
        fields = _field_names(model) | {model._meta.pk.name}
        for name in (
            *declaration.personal_fields,
            *declaration.not_personal,
            *declaration.identifiers,
            *declaration.sealed,
        ):
            if name not in fields:
                errors.append(
                    checks.Error(f"{declaration.model} has no field {name!r}", id="consonance.E003")
                )
        errors.extend(_check_readable(declaration, model, fields))
        errors.extend(_check_subject(declaration, model))
        errors.extend(_check_encryption_contexts(declaration, model))
        errors.extend(_check_normalisers(declaration))
        errors.extend(_check_holdings(declaration, model, policy))
    return errors


def _check_holdings(
    declaration: PersonalModel, model: type[models.Model], policy: Policy
) -> list[checks.CheckMessage]:
    """Each holding's category is in the policy and its clocks are fields."""
    errors: list[checks.CheckMessage] = []
    for holding in declaration.holdings:
        if holding.category not in policy.categories:
            errors.append(
                checks.Error(
                    f"{declaration.model} holds category {holding.category!r}, which the "
                    f"policy ({policy.path}) does not have",
                    id="consonance.E004",
                )
            )
        for event, path in holding.clocks.items():
            if not _path_exists(model, path):
                errors.append(
                    checks.Error(
                        f"{declaration.model}: clock {event!r} points at {path!r}, "
                        "which is not a field",
                        id="consonance.E003",
                    )
                )
    return errors


def _check_stores(policy: Policy) -> list[checks.CheckMessage]:
    """A store (PersonalStore: sessions, the task queue) classifies every field of its model,
    holds categories the policy has, and its clocks are fields."""
    errors: list[checks.CheckMessage] = []
    for store in stores():
        try:
            model = store.model_class
        except LookupError:
            errors.append(checks.Error(f"{store.model} is not a model", id="consonance.E003"))
            continue
        fields = _field_names(model)
        classified = {*store.personal_fields, *store.not_personal, model._meta.pk.name}
        for name in sorted(fields - classified):
            errors.append(
                checks.Error(f"{store.model}.{name} is not declared", id="consonance.E002")
            )
        for name in sorted(classified - fields - {model._meta.pk.name}):
            errors.append(
                checks.Error(f"{store.model} has no field {name!r}", id="consonance.E003")
            )
        errors.extend(_check_holdings(store, model, policy))
        for holding in store.holdings:
            for rule in policy.rules_for(holding.category):
                if rule.action != "delete":  # no column of a store can be blanked on its own
                    errors.append(
                        checks.Error(
                            f"rule {rule.id!r}: {store.model} rows can only be deleted, "
                            f"not {rule.action!r}",
                            id="consonance.E008",
                        )
                    )
    return errors


def _check_readable(
    declaration: PersonalModel, model: type[models.Model], fields: set[str]
) -> list[checks.CheckMessage]:
    """What her copy shows and counts names real fields (or, for labels, model attributes)."""
    errors: list[checks.CheckMessage] = []
    labels = declaration.readable.labels if declaration.readable else {}
    for name in (*labels, *declaration.scrub):
        if name not in fields and (name in declaration.scrub or not hasattr(model, name)):
            errors.append(
                checks.Error(f"{declaration.model} has no field {name!r}", id="consonance.E003")
            )
    for thing in declaration.things:
        try:
            model._default_manager.filter(**thing.where)
        except (FieldError, ValueError, TypeError) as error:
            errors.append(
                checks.Error(
                    f"{declaration.model}: things filter {thing.where!r}: {error}",
                    id="consonance.E003",
                )
            )
    return errors


def _check_encryption_contexts(
    declaration: PersonalModel, model: type[models.Model]
) -> list[checks.CheckMessage]:
    """Every ciphertext field names its encryption context, and only ciphertext fields do, so that
    export, erasure and verification decrypt by declaration, never by guessing."""
    errors: list[checks.CheckMessage] = []
    binary = {
        f.name
        for f in model._meta.get_fields()
        if isinstance(f, models.BinaryField) and f.concrete and not isinstance(f, IdentifierField)
    }
    for name in sorted(binary & set(declaration.personal_fields) - set(declaration.encrypted)):
        errors.append(
            checks.Error(
                f"{declaration.model}.{name} holds ciphertext but declares no encryption context",
                hint="Add it to the declaration's `encrypted` mapping (field -> context).",
                id="consonance.E011",
            )
        )
    for name in sorted(set(declaration.encrypted) - binary):
        errors.append(
            checks.Error(
                f"{declaration.model}: encrypted field {name!r} is not a binary field",
                id="consonance.E011",
            )
        )
    return errors


def _check_normalisers(declaration: PersonalModel) -> list[checks.CheckMessage]:
    """Every identifier says how its values are compared (and only identifiers do), so that a
    lookup or a blind index of it finds the same person whatever the case or spacing typed."""
    identifiers = set(declaration.identifiers)
    errors: list[checks.CheckMessage] = [
        checks.Error(
            f"{declaration.model}.{name} is an identifier without a normaliser",
            hint="Add it to the declaration's `normalise` mapping (field -> function), e.g. "
            "normalise_email, normalise_name or normalise_phone from consonance.lib.text.",
            id="consonance.E013",
        )
        for name in sorted(identifiers - set(declaration.normalise))
    ]
    errors += [
        checks.Error(
            f"{declaration.model}: normaliser for {name!r}, which is not an identifier",
            id="consonance.E013",
        )
        for name in sorted(set(declaration.normalise) - identifiers)
    ]
    model = declaration.model_class
    for name, normalise in sorted(declaration.normalise.items()):
        f = model._meta.get_field(name) if name in identifiers else None
        if isinstance(f, IdentifierField) and f.normalise is not normalise:
            errors.append(
                checks.Error(
                    f"{declaration.model}.{name}: the registry normalises it with "
                    f"{normalise.__name__}, its blind index with {f.normalise.__name__}",
                    id="consonance.E013",
                )
            )
    return errors


def _check_subject(
    declaration: PersonalModel, model: type[models.Model]
) -> list[checks.CheckMessage]:
    if declaration.subject == "":
        if model._meta.label != "people.Person":
            return [
                checks.Error(
                    f"{declaration.model}: subject '' is only for people.Person",
                    id="consonance.E009",
                )
            ]
        return []
    field = field_at(model, declaration.subject)
    if getattr(field, "leads_to_subject", False):
        return []  # her id (privacy.subject.SubjectId): the registry leads on to her model
    if field is None or not field.is_relation or field.related_model is None:
        return [
            checks.Error(
                f"{declaration.model}: subject path {declaration.subject!r} is not a chain of "
                "relations",
                id="consonance.E009",
            )
        ]
    current = field.related_model
    if current._meta.label != "people.Person":
        return [
            checks.Error(
                f"{declaration.model}: subject path {declaration.subject!r} leads to "
                f"{current._meta.label}, not people.Person",
                id="consonance.E009",
            )
        ]
    return []


def _path_exists(model: type[models.Model], path: str) -> bool:
    return field_at(model, path) is not None


def _check_policy_covered(policy: Policy) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    for category in policy.categories:
        holders = [*models_holding(category), *stores_holding(category)]
        if not holders:
            errors.append(
                checks.Error(
                    f"{policy.where('categories', category)}: the policy names category "
                    f"{category!r}, but no model declares holding it",
                    id="consonance.E006",
                )
            )
        if not policy.rules_for(category):
            errors.append(
                checks.Error(
                    f"{policy.where('categories', category)}: category {category!r} has "
                    "no retention rule",
                    id="consonance.E005",
                )
            )
    for index, rule in enumerate(policy.retention):
        pairs = models_holding(rule.category)
        pairs += [(store, store.holdings[0]) for store in stores_holding(rule.category)]
        for declaration, holding in pairs:
            if rule.after not in holding.clocks:
                errors.append(
                    checks.Error(
                        f"{policy.where('retention', index, 'after')}: rule {rule.id!r} starts "
                        f"its clock at {rule.after!r}, but {declaration.model} has no timestamp "
                        "for that event",
                        id="consonance.E007",
                    )
                )
            for name in rule.keep:
                if name not in holding.fields:
                    errors.append(
                        checks.Error(
                            f"{policy.where('retention', index, 'keep')}: rule {rule.id!r} keeps "
                            f"{name!r}, which {declaration.model} does not hold as "
                            f"{rule.category!r}",
                            id="consonance.E008",
                        )
                    )
    return errors
