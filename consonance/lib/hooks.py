"""Typed hooks: how a lower app lets the apps above it react, without importing them.

An app declares its hooks in its own `hooks.py`, each with the type of the value it passes, the
type of what each handler answers (None for a notice nobody asks anything of), and a line for the
README's hook table saying when it is emitted:

    order_paid: Hook[Order, None] = Hook("payments.order_paid", when="an order is paid in full")

A higher app registers a handler in its `AppConfig.ready()` (its `handlers.py`):

    hooks.order_paid.register(booking_confirm_paid)

and the lower app calls it where the event happens, in one of three ways:

- `hooks.order_paid.emit(order)`: tell every handler; answers are not read.
- `hooks.order_documents.collect(order)`: ask every handler; a list of their answers.
- `hooks.inbound_message.first(mail)`: ask the handlers in turn until one answers (anything but
  None); the rest are not asked.

Handlers run synchronously, inside the caller's transaction, so an exception in a handler rolls the
whole change back (as Wagtail's hooks and Saleor's plugin manager do; unlike Django's signals, the
flow stays visible: grep for the hook's name). They run in the order of `register(..., order=n)`,
lowest first; handlers of the same order (by default all of them, DEFAULT_ORDER) run in the order
they registered, which is INSTALLED_APPS order. The README's hook table is generated from the
declarations and the registered handlers (`hooks_table`, `consonance docs hooks`).
"""

from __future__ import annotations

import ast
import itertools
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from consonance.lib.readme import readme_with_block

_ALL: dict[str, Hook] = {}
_SEQUENCE = itertools.count()  # registration order, across hooks

DEFAULT_ORDER = 100


@dataclass(frozen=True)
class _Registration[T, A]:
    order: int
    sequence: int
    handler: Callable[[T], A]


class Hook[T, A]:
    """One kind of event or question: handlers take a T and answer an A.

    `emit` ignores what handlers return; `collect` returns it, for hooks through which a lower app
    asks the apps above it for something (e.g. which consents a person holds); `first` returns
    the first answer that is not None."""

    def __init__(self, name: str, *, when: str) -> None:
        if name in _ALL:
            raise ValueError(f"hook {name} is declared twice")
        self.name = name
        self.when = when  # the README's "emitted when"
        self._registered: list[_Registration[T, A]] = []
        _ALL[name] = self

    def register(
        self, handler: Callable[[T], A], *, order: int = DEFAULT_ORDER
    ) -> Callable[[T], A]:
        """Add a handler (idempotent, so a repeated `ready()` registers nothing twice)."""
        if handler not in self.handlers:
            self._registered.append(_Registration(order, next(_SEQUENCE), handler))
            self._registered.sort(key=lambda r: (r.order, r.sequence))
        return handler

    def unregister(self, handler: Callable[[T], A]) -> None:
        self._registered = [r for r in self._registered if r.handler != handler]

    def emit(self, value: T) -> None:
        for handler in self.handlers:
            handler(value)

    def collect(self, value: T) -> list[A]:
        return [handler(value) for handler in self.handlers]

    def first(self, value: T) -> A | None:
        """The first answer that is not None, asking the handlers in order; None if none gives
        one."""
        for handler in self.handlers:
            answer = handler(value)
            if answer is not None:
                return answer
        return None

    @property
    def handlers(self) -> tuple[Callable[[T], A], ...]:
        """The handlers in the order they run."""
        return tuple(r.handler for r in self._registered)

    @property
    def registrations(self) -> tuple[_Registration[T, A], ...]:
        return tuple(self._registered)

    def __repr__(self) -> str:
        return f"<Hook {self.name}: {len(self._registered)} handler(s)>"


def all_hooks() -> dict[str, Hook]:
    """Every declared hook by name (for the architecture test and the README)."""
    return dict(_ALL)


# -- the README's hook table ---------------------------------------------------------------------


def _declaration(hook: Hook) -> tuple[str, str, str]:
    """(declaring module, value type, answer type), read from the module's annotation
    `name: Hook[Value, Answer]`."""
    for module in list(sys.modules.values()):
        if not getattr(module, "__name__", "").startswith("consonance."):
            continue
        for name, annotation in getattr(module, "__annotations__", {}).items():
            if getattr(module, name, None) is hook:
                node = ast.parse(str(annotation), mode="eval").body
                assert isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Tuple)
                value, answer = (ast.unparse(e) for e in node.slice.elts)
                return module.__name__, value, answer
    raise LookupError(f"hook {hook.name} has no annotated declaration")


def _handler_name(handler: Callable[..., Any]) -> str:
    module = getattr(handler, "__module__", "") or ""
    app = module.removeprefix("consonance.").split(".")
    where = ".".join(app[:2] if app[:2] == ["payments", "bankgiro"] else app[:1])
    return f"{where} `{getattr(handler, '__name__', repr(handler))}`"


def _handled_by(hook: Hook) -> str:
    names = [
        _handler_name(r.handler) + ("" if r.order == DEFAULT_ORDER else f" (order {r.order})")
        for r in hook.registrations
    ]
    return ", ".join(names) or "(none)"


def hooks_table() -> str:
    """The README's hook table, from the declarations and the handlers registered now (call it
    with every app ready, as `consonance docs hooks` does)."""
    lines = [
        "| hook | emitted when | passes → each handler answers | handled by, in order |",
        "|---|---|---|---|",
    ]
    for name in sorted(_ALL):
        hook = _ALL[name]
        module, value, answer = _declaration(hook)
        path = module.removeprefix("consonance.").replace(".", "/") + ".py"
        shape = f"`{value}` → `{answer}`".replace("|", "\\|")
        lines.append(f"| `{name}` (`{path}`) | {hook.when} | {shape} | {_handled_by(hook)} |")
    return "\n".join(lines) + "\n"


TABLE_START = (
    "<!-- the hook table: generated by `consonance docs hooks --write`; edit the hooks -->"
)
TABLE_END = "<!-- end of the hook table -->"


def readme_with_hooks_table(readme: str) -> str:
    """The README with its hook table (between TABLE_START and TABLE_END) made anew."""
    return readme_with_block(readme, TABLE_START, TABLE_END, hooks_table())
