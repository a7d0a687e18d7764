"""Each Consonance app's module of one name (`tasks`, `personal_data`, `emails`, `demo`), found
by app rather than imported, in app order: how a low layer reads what the apps above it declare
without importing them. An app without such a module is skipped; an error inside one is not."""

from __future__ import annotations

from collections.abc import Iterator
from importlib import import_module
from types import ModuleType

from django.apps import apps


def app_modules(name: str) -> Iterator[ModuleType]:
    for app in apps.get_app_configs():
        if not app.name.startswith("consonance."):
            continue
        try:
            module = import_module(f"{app.name}.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"{app.name}.{name}":
                raise
            continue
        yield module
