"""The declared audit actions (consonance/audit/actions.py) are exactly the ones the code writes.

The code is read, not run: every `action` that reaches `audit_append` or `audit_append_many` is
followed back through the functions that pass it on (`_audit(booking, actor, "booking.moved")`,
`order_record_event(kind="created")` writing "order.created", f-strings adding a prefix or suffix
on the way). A name that ends as a plain string must be declared; one that stays open (a provider's
event kind) must match a declared name; and every declared name must be written somewhere.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

from consonance.audit.actions import ACTIONS, action_label

ROOT = Path(__file__).resolve().parent.parent / "consonance"
DECLARED_IN = ROOT / "audit" / "actions.py"
HOLE = "\0"


@dataclass
class Forwarder:
    """A function whose parameters become (part of) the action: param -> (prefix, suffix)."""

    params: list[str] | None  # positional order; None: keyword-only use (the audit sinks)
    passes: dict[str, tuple[str, str]] = field(default_factory=dict)


@dataclass
class Flow:
    literals: dict[str, str] = field(default_factory=dict)  # action -> where
    patterns: dict[str, str] = field(default_factory=dict)  # regex -> where
    changed: bool = False


def _trees() -> list[tuple[str, ast.Module]]:
    paths = sorted(p for p in ROOT.rglob("*.py") if "migrations" not in p.parts)
    return [(str(p.relative_to(ROOT)), ast.parse(p.read_text())) for p in paths]


def _constants(trees: list[tuple[str, ast.Module]]) -> dict[str, str]:
    """`NAME = "text"` (module constants, and choices' `NAME = "text", _("label")`) by name, where
    the name means one text only in the whole code."""
    seen: dict[str, set[str]] = {}
    for _path, tree in trees:
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Assign) and len(node.targets) == 1):
                continue
            target, value = node.targets[0], node.value
            if isinstance(value, ast.Tuple) and value.elts:
                value = value.elts[0]
            is_text = isinstance(value, ast.Constant) and isinstance(value.value, str)
            if isinstance(target, ast.Name) and is_text:
                seen.setdefault(target.id, set()).add(value.value)
    return {name: next(iter(texts)) for name, texts in seen.items() if len(texts) == 1}


def _callee(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    return call.func.attr if isinstance(call.func, ast.Attribute) else None


def _text(expr: ast.expr, params: list[str], consts: dict[str, str]) -> tuple[str, list[str]]:
    """The expression as text with HOLE for each unknown part, and the parameters in the holes
    ("" for a hole that is no parameter of the enclosing function)."""
    parts = expr.values if isinstance(expr, ast.JoinedStr) else [expr]
    text, holes = "", []
    for part in parts:
        value = part.value if isinstance(part, ast.FormattedValue) else part
        name = value.id if isinstance(value, ast.Name) else getattr(value, "attr", None)
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            text += value.value
        elif isinstance(value, ast.Name) and value.id in params:
            text, holes = text + HOLE, [*holes, value.id]
        elif isinstance(value, ast.Name | ast.Attribute) and name in consts:
            text += consts[name]
        else:
            text, holes = text + HOLE, [*holes, ""]
    return text, holes


def _follow(path: str, fn: ast.FunctionDef, found: dict[str, Forwarder], flow: Flow, consts):
    params = [a.arg for a in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs]
    for call in (n for n in ast.walk(fn) if isinstance(n, ast.Call)):
        callee = _callee(call) or ""
        forwarder = found.get(f"{path}::{callee}") or found.get(callee)
        if forwarder is None:
            continue
        args = {k.arg: k.value for k in call.keywords if k.arg}
        args |= dict(zip(forwarder.params or [], call.args, strict=False))
        for param, (prefix, suffix) in forwarder.passes.items():
            if param not in args:
                continue
            where = f"{path}:{call.lineno}"
            text, holes = _text(args[param], params, consts)
            text = prefix + text + suffix
            if not holes:
                flow.literals.setdefault(text, where)
            elif holes[0] and len(holes) == 1 and fn.name != callee:
                key = f"{path}::{fn.name}" if fn.name.startswith("_") else fn.name
                into = found.setdefault(key, Forwarder(params))
                before, after = text.split(HOLE)
                flow.changed |= into.passes.get(holes[0]) != (before, after)
                into.passes[holes[0]] = (before, after)
            else:
                pattern = "(.+)".join(re.escape(piece) for piece in text.split(HOLE))
                flow.patterns.setdefault(f"^{pattern}$", where)


def actions_written() -> Flow:
    trees = [(p, t) for p, t in _trees() if ROOT / p != DECLARED_IN]
    consts = _constants(trees)
    found = {
        sink: Forwarder(None, {"action": ("", "")})
        for sink in ("audit_append", "audit_append_many")
    }
    flow = Flow(changed=True)
    while flow.changed:  # until no function newly passes an action on
        flow = Flow()
        for path, tree in trees:
            for fn in ast.walk(tree):
                if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                    _follow(path, fn, found, flow, consts)
    return flow


def _strings() -> set[str]:
    return {
        node.value
        for _path, tree in _trees()
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }


FLOW = actions_written()


def test_every_action_written_is_declared():
    undeclared = {a: where for a, where in FLOW.literals.items() if a not in ACTIONS}
    assert not undeclared, f"declare these in consonance/audit/actions.py: {undeclared}"


def test_every_open_action_matches_a_declared_one():
    for pattern, where in FLOW.patterns.items():
        assert any(re.match(pattern, a) for a in ACTIONS), f"{where}: no declared action fits"


def test_every_declared_action_is_written():
    """Declared and written as a whole string, or filling an open one (a provider's "failed" in
    "order.payment_{kind}") with a string the code holds."""
    strings = _strings()

    def written(action: str) -> bool:
        if action in FLOW.literals:
            return True
        matches = (re.match(p, action) for p in FLOW.patterns)
        return any(m and all(g in strings for g in m.groups()) for m in matches)

    unused = sorted(a for a in ACTIONS if not written(a))
    assert not unused, f"declared but never written (remove them): {unused}"


def test_the_follower_sees_actions_passed_on():
    assert FLOW.literals["booking.moved"].startswith("booking/changes.py")  # via a local _audit
    assert "order.created" in FLOW.literals  # order_record_event(kind="created")
    assert "document.invoice_issued" in FLOW.literals  # f"document.{kind}_issued", a choice
    assert "mail.sent" in FLOW.literals  # a module constant
    assert r"^order\.payment_(.+)$" in FLOW.patterns  # a provider's event kind


def test_labels_are_translated():
    from django.utils import translation

    with translation.override("en"):
        assert action_label("booking.moved") == "Booking moved"
    assert action_label("booking.moved") == "Bokning flyttad"
    assert action_label("no.such_action") == "no.such_action"
