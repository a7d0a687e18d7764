"""The layers of tests/architecture.py hold: imports run one way, no cycles between apps, no
imports hidden in function bodies; and the checker itself catches each of those."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps

from consonance.lib.hooks import all_hooks
from tests.architecture import (
    LAYERS,
    UPWARD_RELATIONS_ALLOWED,
    app_cycles,
    function_local_imports,
    imports_in,
    layer_of,
    provider_mentions,
    provider_names,
    relations,
    restated_contexts,
    upward_imports,
    upward_relations,
)
from tests.conftest import REPO

SOURCE = REPO / "consonance"
APPS = sorted(
    p.parent.name if p.parent.parent.name == "consonance" else "payments.bankgiro"
    for p in SOURCE.glob("**/apps.py")
)


@pytest.fixture(scope="module")
def imports():
    return imports_in(SOURCE)


def test_every_app_is_in_a_declared_layer():
    declared = {app for layer in LAYERS for app in layer}
    assert set(APPS) <= declared, set(APPS) - declared


def test_no_app_imports_from_its_own_layer_or_above(imports):
    assert upward_imports(imports) == []


def test_no_import_cycle_between_apps(imports):
    assert app_cycles(imports) == []


def test_no_project_import_inside_a_function_outside_the_allow_list(imports):
    assert function_local_imports(imports) == []


def test_hooks_are_declared_in_hooks_modules_and_have_handlers():
    hooks = all_hooks()
    assert {"payments.order_paid", "payments.refund_recorded", "rights.objection_made"} <= set(
        hooks
    )
    for name in hooks:
        app = name.split(".")[0]
        assert (SOURCE / app / "hooks.py").exists(), name


# Modules outside payments/providers/ that still name a provider, each with the reason. Keep it
# short: a new entry needs a reason the table of methods (payments/methods.py) cannot answer.
PROVIDER_NAMES_ALLOWED = {
    "consonance/settings.py": "environment variables and ledger account roles are read here",
    "consonance/lib/hooks.py": "the app label payments.bankgiro, not the method",
    "consonance/payments/models.py": "Order.Method: the stored values (migrations hold them too)",
    "consonance/bookkeeping/personal_data.py": "a column named after Bankgiro (its number)",
    "consonance/booking/emails.py": "the Bankgiro number in the invoice mail's context",
}


def test_no_module_outside_the_provider_folders_names_a_provider():
    names = provider_names(SOURCE)
    assert names >= {"stripe", "paypal", "swish"}
    found = provider_mentions(SOURCE, names)
    named = {line.split(":")[0] for line in found}
    assert [line for line in found if line.split(":")[0] not in PROVIDER_NAMES_ALLOWED] == []
    assert sorted(set(PROVIDER_NAMES_ALLOWED) - named) == []  # no stale exception


def test_the_provider_checker_finds_a_name_and_an_import(tmp_path):
    root = tree(
        tmp_path,
        {
            "payments/providers/acme/method.py": 'NAME = "acme"\n',
            "booking/forms.py": 'LABEL = {"acme": "Acme"}\n',
            "booking/views.py": "from consonance.payments.providers.acme.method import NAME\n",
            "payments/bankgiro/method.py": 'NAME = "bankgiro"\n',
            "payments/migrations/0001.py": 'CHOICES = ["acme"]\n',
        },
    )
    assert provider_mentions(root, provider_names(root)) == [
        "consonance/booking/forms.py:1: acme",
        "consonance/booking/views.py:1: consonance.payments.providers.acme.method",
    ]


def test_no_model_relates_to_a_model_of_its_own_layer_or_above():
    found = relations(django_apps.get_models())
    assert upward_relations(found) == []
    upward = {name for name, src, dst in found if (layer_of(dst) or 0) >= (layer_of(src) or 0)}
    assert sorted(set(UPWARD_RELATIONS_ALLOWED) - upward) == []  # stale allowances


def test_encryption_contexts_are_read_from_the_registry():
    assert restated_contexts(SOURCE) == []


# -- the checker, on small made-up trees --------------------------------------------------------


def tree(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "consonance"
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def test_the_checker_finds_a_deliberate_cycle_and_the_upward_import(tmp_path):
    root = tree(
        tmp_path,
        {
            "payments/services.py": "from consonance.booking.services import booking_release\n",
            "booking/services.py": "from consonance.payments import ledger\n",
        },
    )
    found = imports_in(root)
    assert app_cycles(found) == [["booking", "payments", "booking"]]
    assert upward_imports(found) == [
        "consonance/payments/services.py:1: payments imports "
        "consonance.booking.services.booking_release from a higher layer"
    ]


def test_the_checker_refuses_imports_between_apps_of_one_layer(tmp_path):
    root = tree(tmp_path, {"contact/views.py": "from consonance.newsletter import services\n"})
    assert "from the same layer" in upward_imports(imports_in(root))[0]


def test_the_checker_finds_imports_hidden_in_functions_but_allows_ready(tmp_path):
    root = tree(
        tmp_path,
        {
            "booking/views.py": """
                def view():
                    from consonance.payments.services import payment_start
                    return payment_start
            """,
            "booking/apps.py": """
                class BookingConfig:
                    def ready(self):
                        from consonance.booking import handlers
            """,
        },
    )
    assert function_local_imports(imports_in(root)) == [
        "consonance/booking/views.py:3: imports "
        "consonance.payments.services.payment_start inside a function"
    ]


def test_the_checker_sees_imports_for_type_annotations_too(tmp_path):
    root = tree(
        tmp_path,
        {
            "privacy/services.py": """
                from typing import TYPE_CHECKING
                if TYPE_CHECKING:
                    from consonance.people.models import Person
            """,
        },
    )
    assert upward_imports(imports_in(root)) == [
        "consonance/privacy/services.py:4: privacy imports consonance.people.models.Person "
        "from a higher layer"
    ]


def test_the_checker_finds_a_foreign_key_to_a_higher_layer():
    def model(label: str, module: str, *fields):
        meta = SimpleNamespace(label=label, get_fields=lambda: fields)
        return type(label.split(".")[1], (), {"_meta": meta, "__module__": module})

    def fk(name: str, target):
        return SimpleNamespace(
            name=name, is_relation=True, auto_created=False, related_model=target
        )

    person = model("people.Person", "consonance.people.models")
    order = model("payments.Order", "consonance.payments.models", fk("person", person))
    hold = model("privacy.Hold", "consonance.privacy.models", fk("person", person))
    assert upward_relations(relations([person, order, hold])) == [
        "privacy.Hold.person: privacy relates to a model of people, a higher layer"
    ]


def test_the_checker_finds_a_restated_encryption_context(tmp_path):
    root = tree(
        tmp_path,
        {
            "journal/services.py": """
                CONTEXT = "note"
                person_encrypt(person, body, context=CONTEXT)
                keys.person_decrypt(person, blob, context="note")
                person_encrypt(person, body, context=context_of(Note, "body_ciphertext"))
            """,
        },
    )
    assert restated_contexts(root) == [
        "consonance/journal/services.py:3: person_encrypt restates its context",
        "consonance/journal/services.py:4: person_decrypt restates its context",
    ]


# -- sizes: modules under about 400 lines, functions under about 60 ------------------------------

MODULE_LINES = 420
FUNCTION_LINES = 60
# Each exception says why it stays whole.
LONG_MODULES = {
    "consonance/payments/bankgiro/bgmax_reader.py": "one file format (Bankgirot's BgMax), its records and checks",
    "consonance/payments/providers/stripe/adapter.py": "one provider's protocol: API, webhook signature",
    "consonance/payments/providers/paypal/adapter.py": "one provider's protocol: API, webhook verification",
    "consonance/payments/providers/swish/adapter.py": "one provider's protocol over mutual TLS",
    # The providers' loopback fakes: test code (h2 puts them on one base, issue 18).
    "consonance/payments/providers/stripe/fake.py": "a whole fake Stripe API, for the tests",
    "consonance/payments/providers/paypal/fake.py": "a whole fake PayPal API, for the tests",
    "consonance/payments/providers/swish/fake.py": "a whole fake Swish API and its PKI, for tests",
    "consonance/payments/bankgiro/imports.py": "the import's plan and apply share their report",
    "consonance/settings.py": "every setting is read once, here, in one block per app",
}
LONG_FUNCTIONS = {
    "consonance/privacy/retention.py:apply_rule": "one rule's transaction, step by step",
    "consonance/payments/bankgiro/imports.py:_plan": "one pass deciding each payment's fate",
    "consonance/payments/bankgiro/bgmax_reader.py:read": "the record loop, TK20 inline: 100 000 a file",
    "consonance/payments/bankgiro/imports.py:_apply": "the rows of one import, written in order",
    "consonance/mail/outbox.py:mail_queue": "validation of every header before one insert",
    "consonance/rights/residue.py:_registry_scan": "one pass over every identifier column",
}


def _sizes():
    for path in sorted(SOURCE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        rel = str(path.relative_to(REPO))
        text = path.read_text(encoding="utf-8")
        yield rel, len(text.splitlines()), ast.parse(text)


def test_modules_and_functions_stay_small_or_say_why():
    long_modules, long_functions = [], []
    still_long: set[str] = set()
    for rel, lines, tree in _sizes():
        if lines > MODULE_LINES:
            still_long.add(rel)
            if rel not in LONG_MODULES:
                long_modules.append(f"{rel}: {lines} lines")
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > FUNCTION_LINES:
                    still_long.add(f"{rel}:{node.name}")
                    if f"{rel}:{node.name}" not in LONG_FUNCTIONS:
                        long_functions.append(f"{rel}:{node.lineno}: {node.name}, {length} lines")
    assert long_modules == []
    assert long_functions == []
    # An exception for a module or function that is gone or now short is stale: delete it.
    assert sorted((set(LONG_MODULES) | set(LONG_FUNCTIONS)) - still_long) == []
