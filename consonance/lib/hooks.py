"""Typed hooks: how a lower app lets the apps above it react, without importing them.

An app declares its hooks in its own `hooks.py`, each with the type of the value it passes:

    order_paid: Hook[Order] = Hook("payments.order_paid")

A higher app registers a handler in its `AppConfig.ready()`:

    hooks.order_paid.register(booking_confirm_paid)

and the lower app emits it where the event happens: `hooks.order_paid.emit(order)`. Handlers run
synchronously, in registration order, inside the caller's transaction, so an exception in a handler
rolls the whole change back (as Wagtail's hooks and Saleor's plugin manager do; unlike Django's
signals, the flow stays visible: grep for the hook's name).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_ALL: dict[str, Hook] = {}


class Hook[T]:
    """One kind of event; handlers take the event's value.

    `emit` ignores what handlers return; `collect` returns it, for hooks through which a lower app
    asks the apps above it for something (e.g. which consents a person holds)."""

    def __init__(self, name: str) -> None:
        if name in _ALL:
            raise ValueError(f"hook {name} is declared twice")
        self.name = name
        self._handlers: list[Callable[[T], Any]] = []
        _ALL[name] = self

    def register(self, handler: Callable[[T], Any]) -> Callable[[T], Any]:
        """Add a handler (idempotent, so a repeated `ready()` registers nothing twice)."""
        if handler not in self._handlers:
            self._handlers.append(handler)
        return handler

    def unregister(self, handler: Callable[[T], Any]) -> None:
        if handler in self._handlers:
            self._handlers.remove(handler)

    def emit(self, value: T) -> None:
        for handler in list(self._handlers):
            handler(value)

    def collect(self, value: T) -> list[Any]:
        return [handler(value) for handler in list(self._handlers)]

    @property
    def handlers(self) -> tuple[Callable[[T], Any], ...]:
        return tuple(self._handlers)

    def __repr__(self) -> str:
        return f"<Hook {self.name}: {len(self._handlers)} handler(s)>"


def all_hooks() -> dict[str, Hook]:
    """Every declared hook by name (for the architecture test and the README)."""
    return dict(_ALL)
