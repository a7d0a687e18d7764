"""Hooks: typed answers, the three ways of calling them, the order of handlers, and the README's
hook table generated from the declarations (it fails here when the README drifts)."""

from __future__ import annotations

from pathlib import Path

import pytest

from consonance.lib import hooks as hooks_module
from consonance.lib.hooks import DEFAULT_ORDER, Hook, hooks_table, readme_with_hooks_table

README = Path(__file__).resolve().parent.parent / "README.md"


@pytest.fixture
def hook():
    made: Hook[int, str | None] = Hook("tests.made", when="a test asks")
    yield made
    del hooks_module._ALL["tests.made"]  # declared for the test only


def test_collect_asks_every_handler_and_emit_reads_no_answer(hook):
    seen = []
    hook.register(lambda n: seen.append(("a", n)) or "a")
    hook.register(lambda n: seen.append(("b", n)) or None)

    assert hook.collect(1) == ["a", None]
    hook.emit(2)
    assert seen == [("a", 1), ("b", 1), ("a", 2), ("b", 2)]


def test_first_stops_at_the_first_answer_that_is_not_none(hook):
    asked = []

    def ask(name, answer):
        def handler(n):
            asked.append(name)
            return answer

        return handler

    for name, answer in (("none", None), ("empty", ""), ("late", "late")):
        hook.register(ask(name, answer))

    assert hook.first(1) == ""  # an answer, though falsy: the rest are not asked
    assert asked == ["none", "empty"]


def test_first_without_an_answer_is_none(hook):
    hook.register(lambda n: None)
    assert hook.first(1) is None


def test_handlers_run_by_order_then_as_registered(hook):
    def a(n):
        return "a"

    def b(n):
        return "b"

    def c(n):
        return "c"

    hook.register(a)
    hook.register(b, order=DEFAULT_ORDER + 1)
    hook.register(c, order=DEFAULT_ORDER - 1)
    hook.register(a)  # idempotent

    assert hook.collect(0) == ["c", "a", "b"]
    hook.unregister(c)
    assert hook.first(0) == "a"


def test_a_hook_is_declared_once(hook):
    with pytest.raises(ValueError, match="declared twice"):
        Hook("tests.made", when="again")


def test_the_readme_hook_table_is_generated_from_the_hooks():
    readme = README.read_text()
    assert readme_with_hooks_table(readme) == readme, (
        "the README's hook table is stale: run `consonance docs hooks --write`"
    )


def test_the_table_names_every_hook_its_types_and_handlers_in_order():
    table = hooks_table()
    assert "| `payments.order_paid` (`payments/hooks.py`) |" in table
    assert "`InboundMail` → `str \\| None` | journal `file_inbound` |" in table
    assert "bookkeeping `on_payments`, booking `bookings_confirm_paid`" in table
