"""Every mail type the code can send, and why it is sent (P20).

Each app declares its mail types beside its e-mail functions, in `emails.py`:

    MAIL_TYPES = {"refund_confirmed": "refund", ...}   # template (or bulk type) -> purpose

where the purpose is an id of the policy's [communication] list. A mail type is an outbox template
(`templates/mail/<name>_subject.txt` in the app) or a bulk type (the newsletter's issue). The
outbox and the bulk sender ask `mail_purpose` before sending and refuse what is not declared or not
in the policy; `mail_type_problems` is what `consonance policy check` reports, as `file:line`.
The modules are found the way privacy.registry finds `personal_data.py`: by app, not by import,
so that the low layers read what the higher ones declare without importing them.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.apps import apps

from consonance.lib.apps import app_modules
from consonance.privacy.policy_types import Policy, Problem

__all__ = ["MailPurposeRefused", "MailType", "mail_purpose", "mail_type_problems", "mail_types"]


class MailPurposeRefused(ValueError):
    """A mail type with no purpose, or with one the policy does not list: nothing is sent."""


@dataclass(frozen=True, slots=True)
class MailType:
    name: str
    purpose: str
    file: str  # where it is declared, for file:line messages
    line: int


def _declared_line(source: list[str], name: str) -> int:
    pattern = re.compile(rf"""^\s*["']{re.escape(name)}["']\s*:""")
    return next((i for i, text in enumerate(source, 1) if pattern.match(text)), 1)


@cache
def mail_types() -> dict[str, MailType]:
    """Every declared mail type of every installed Consonance app (the first declaration wins;
    a second one is a problem `mail_type_problems` reports)."""
    found: dict[str, MailType] = {}
    for module in app_modules("emails"):
        declared = getattr(module, "MAIL_TYPES", {})
        path = inspect.getsourcefile(module) or module.__name__
        source = Path(path).read_text(encoding="utf-8").splitlines() if declared else []
        for name, purpose in declared.items():
            found.setdefault(name, MailType(name, purpose, path, _declared_line(source, name)))
    return found


def _duplicates() -> list[MailType]:
    seen: set[str] = set()
    twice = []
    for module in app_modules("emails"):
        path = inspect.getsourcefile(module) or module.__name__
        for name in getattr(module, "MAIL_TYPES", {}):
            if name in seen:
                source = Path(path).read_text(encoding="utf-8").splitlines()
                twice.append(MailType(name, "", path, _declared_line(source, name)))
            seen.add(name)
    return twice


def mail_templates() -> dict[str, str]:
    """Every outbox template on disk (name -> its subject template's path)."""
    templates: dict[str, str] = {}
    for app in apps.get_app_configs():
        if not app.name.startswith("consonance."):
            continue
        for subject in sorted(Path(app.path, "templates", "mail").glob("*_subject.txt")):
            templates.setdefault(subject.name.removesuffix("_subject.txt"), str(subject))
    return templates


def mail_purpose(name: str, policy: Policy) -> str:
    """The purpose of mail type `name`, or MailPurposeRefused saying what is missing."""
    declared = mail_types().get(name)
    if declared is None:
        raise MailPurposeRefused(
            f"mail type {name!r} declares no purpose: add it to MAIL_TYPES in its app's emails.py "
            "with an id of the policy's [communication] list (P20)"
        )
    if declared.purpose not in policy.communication:
        raise MailPurposeRefused(
            f"mail type {name!r} has purpose {declared.purpose!r}, which the policy's "
            "[communication] list does not name (P20)"
        )
    return declared.purpose


def mail_type_problems(policy: Policy) -> list[Problem]:
    """A mail type without a purpose, or with one the policy does not list, as `file:line`."""
    problems = []
    declared = mail_types()
    for name, path in mail_templates().items():
        if name not in declared:
            problems.append(
                Problem(
                    path, 1, f"mail type {name!r} declares no purpose (MAIL_TYPES in emails.py)"
                )
            )
    for item in declared.values():
        if item.purpose not in policy.communication:
            problems.append(
                Problem(
                    item.file,
                    item.line,
                    f"mail type {item.name!r}: purpose {item.purpose!r} is not in the policy's "
                    f"[communication] list ({policy.path})",
                )
            )
    for item in _duplicates():
        problems.append(Problem(item.file, item.line, f"mail type {item.name!r} declared twice"))
    return problems
