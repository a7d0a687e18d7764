"""System checks keep the registry of personal data and the policy file in agreement."""

from __future__ import annotations

import dataclasses

import pytest
from django.core import checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from consonance.privacy import checks as privacy_checks
from consonance.privacy import registry as registry_module


def errors(ids: set[str] | None = None) -> list[checks.CheckMessage]:
    found = privacy_checks.check_policy_and_registry()
    return [e for e in found if ids is None or e.id in ids]


@pytest.fixture
def patched_registry(monkeypatch):
    """Replace one declaration of the registry for the duration of a test."""

    def patch(label: str, **changes):
        original = privacy_checks.registry()  # so that patches of several models compose
        replaced = tuple(
            dataclasses.replace(d, **changes) if d.model == label else d for d in original
        )
        monkeypatch.setattr(privacy_checks, "registry", lambda: replaced)
        monkeypatch.setattr(
            privacy_checks,
            "models_holding",
            lambda category: [
                (d, h) for d in replaced for h in d.holdings if h.category == category
            ],
        )

    return patch


@pytest.mark.django_db
def test_the_shipped_code_and_policy_pass_every_check():
    assert errors() == []
    call_command("check")


def test_a_model_field_left_undeclared_fails_the_system_check(patched_registry):
    declaration = next(d for d in registry_module.registry() if d.model == "people.Person")
    patched_registry(
        "people.Person", not_personal=tuple(f for f in declaration.not_personal if f != "language")
    )
    [error] = errors({"consonance.E002"})
    assert "people.Person.language is not declared" in error.msg


@pytest.mark.django_db
def test_an_undeclared_field_stops_start_up(patched_registry):
    declaration = next(d for d in registry_module.registry() if d.model == "payments.Order")
    patched_registry(
        "payments.Order", not_personal=tuple(f for f in declaration.not_personal if f != "amount")
    )
    with pytest.raises(SystemCheckError, match=r"payments\.Order\.amount is not declared"):
        call_command("check")


def test_a_declared_category_the_policy_lacks_fails(patched_registry):
    declaration = next(
        d for d in registry_module.registry() if d.model == "newsletter.Subscription"
    )
    holding = dataclasses.replace(declaration.holdings[0], category="chat_logs")
    patched_registry("newsletter.Subscription", holdings=(holding,))
    deliveries = next(d for d in registry_module.registry() if d.model == "newsletter.Delivery")
    patched_registry(
        "newsletter.Delivery",
        holdings=(dataclasses.replace(deliveries.holdings[0], category="chat_logs"),),
    )
    messages = [e.msg for e in errors({"consonance.E004", "consonance.E006"})]
    assert any("holds category 'chat_logs', which the policy" in m for m in messages)
    # ... and the policy's "newsletter" category is now held by no model.
    assert any(
        "names category 'newsletter', but no model declares holding it" in m for m in messages
    )


def test_a_policy_category_the_code_lacks_fails(policy_copy):
    text = policy_copy.read_text(encoding="utf-8") + (
        '\n[categories.phone_calls]\npromise = "P20"\nname.sv = "Samtal"\nname.en = "Calls"\n'
        'description.sv = "x"\ndescription.en = "x"\nsource.sv = "x"\nsource.en = "x"\n'
        'purposes = ["reply"]\nrecipients = []\n\n[[retention]]\nid = "calls"\npromise = "P20"\n'
        'category = "phone_calls"\nafter = "replied"\nduration = "1 days"\naction = "delete"\n'
    )
    policy_copy.write_text(text, encoding="utf-8")
    [error] = errors({"consonance.E006"})
    assert "names category 'phone_calls', but no model declares holding it" in error.msg
    assert error.msg.startswith(f"{policy_copy}:")


def test_a_rule_whose_clock_the_code_lacks_fails(policy_copy):
    text = policy_copy.read_text(encoding="utf-8").replace(
        'category = "orders"\nafter = "order_placed"', 'category = "orders"\nafter = "booking"'
    )
    policy_copy.write_text(text, encoding="utf-8")
    found = errors({"consonance.E007"})
    assert found and all("rule 'orders-2y' starts its clock at 'booking'" in e.msg for e in found)
    assert any("payments.Order has no timestamp for that event" in e.msg for e in found)


def test_a_keep_only_rule_keeping_a_field_not_held_fails(policy_copy):
    text = policy_copy.read_text(encoding="utf-8").replace(
        'keep = ["first_name", "last_name", "email"]', 'keep = ["first_name", "shoe_size"]'
    )
    policy_copy.write_text(text, encoding="utf-8")
    [error] = errors({"consonance.E008"})
    assert "keeps 'shoe_size'" in error.msg


def test_an_invalid_policy_file_fails_start_up_with_its_problems(policy_copy):
    policy_copy.write_text(
        policy_copy.read_text(encoding="utf-8").replace(
            'duration = "2 years"', 'duration = "forever"', 1
        ),
        encoding="utf-8",
    )
    found = errors({"consonance.E001"})
    assert found and "bad duration 'forever'" in found[0].msg


def test_a_subject_path_not_leading_to_a_person_fails(patched_registry):
    patched_registry("payments.BillingDetails", subject="order")
    [error] = errors({"consonance.E009"})
    assert "leads to payments.Order, not people.Person" in error.msg
