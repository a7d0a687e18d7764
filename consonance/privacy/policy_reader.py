"""Reading a policy file: every problem is collected with its `file:line`, none stops the rest."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from consonance.privacy.durations import Duration
from consonance.privacy.policy_communication import read_communication
from consonance.privacy.policy_types import (
    ACTIONS,
    AGREEMENTS,
    LANGUAGES,
    LEGAL_BASES,
    PROMISE_IDS,
    ROLES,
    SPECIAL_BASES,
    Category,
    Controller,
    Cookie,
    Deadline,
    Policy,
    Problem,
    Purpose,
    Recipient,
    RetentionRule,
    Text,
)
from consonance.privacy.toml_lines import key_lines, line_of


class Reader:
    """Walks the parsed document, collecting every problem instead of stopping at the first."""

    def __init__(self, path: Path, text: str):
        self.path = path
        self.lines = key_lines(text)
        self.problems: list[Problem] = []

    def problem(self, where: tuple[str | int, ...], message: str) -> None:
        self.problems.append(Problem(str(self.path), line_of(self.lines, where), message))

    def table(self, doc: dict[str, Any], key: str, where: tuple[str | int, ...]) -> dict:
        value = doc.get(key)
        if value is None:
            self.problem(where, f"missing table [{'.'.join(map(str, (*where, key)))}]")
            return {}
        if not isinstance(value, dict):
            self.problem((*where, key), f"{key} must be a table")
            return {}
        return value

    def value(
        self,
        doc: dict[str, Any],
        key: str,
        where: tuple[str | int, ...],
        kind: type | tuple[type, ...],
        *,
        required: bool = True,
        default: Any = None,
    ) -> Any:
        if key not in doc:
            if required:
                self.problem(where, f"missing key {key!r}")
            return default
        value = doc[key]
        # bool is an int in Python; the policy never means one by the other.
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
            names = (
                kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            )
            self.problem((*where, key), f"{key} must be {_article(names)}")
            return default
        return value

    def text(self, doc: dict[str, Any], key: str, where: tuple[str | int, ...], *, required=True):
        raw = self.value(doc, key, where, dict, required=required)
        if raw is None:
            return None
        missing = [
            lang
            for lang in LANGUAGES
            if not isinstance(raw.get(lang), str) or not raw[lang].strip()
        ]
        if missing:
            self.problem((*where, key), f"{key} needs a text in {', '.join(missing)}")
            return Text(sv=str(raw.get("sv", "")), en=str(raw.get("en", "")))
        return Text(sv=raw["sv"].strip(), en=raw["en"].strip())

    def duration(self, doc: dict[str, Any], where: tuple[str | int, ...]) -> Duration | None:
        raw = self.value(doc, "duration", where, str)
        if raw is None:
            return None
        try:
            return Duration.parse(raw)
        except ValueError as error:
            self.problem((*where, "duration"), str(error))
            return None

    def promise(self, doc: dict[str, Any], where: tuple[str | int, ...]) -> str:
        raw = self.value(doc, "promise", where, str, default="")
        if raw and raw not in PROMISE_IDS:
            self.problem((*where, "promise"), f"unknown promise {raw!r} (P1 to P31)")
        return raw

    def choice(self, doc, key, where, choices: Iterable[str], *, required=True, default=None):
        raw = self.value(doc, key, where, str, required=required, default=default)
        choices = tuple(choices)
        if raw is not None and raw not in choices:
            self.problem((*where, key), f"{key} must be one of {', '.join(choices)}, not {raw!r}")
        return raw

    def references(self, doc, key, where, known: dict, what: str, *, required=True):
        raw = self.value(doc, key, where, list, required=required, default=[])
        for item in raw:
            if item not in known:
                self.problem((*where, key), f"unknown {what} {item!r}")
        return tuple(raw)


def _article(noun: str) -> str:
    return {
        "dict": "a table",
        "list": "an array",
        "str": "a string",
        "bool": "true or false",
        "int": "an integer",
        "date": "a date",
    }.get(noun, noun)


def text_line_of_offset(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def line_from_message(message: str) -> int:
    # Python < 3.14 only puts the position in the message: "... (at line 3, column 7)".
    match = re.search(r"at line (\d+)", message)
    return int(match.group(1)) if match else 1


def read_policy(r: Reader, doc: dict[str, Any]) -> Policy | None:
    version = r.value(doc, "version", (), int, default=1)
    if version != 1:
        r.problem(("version",), f"unsupported policy version {version}; this Consonance reads 1")
    updated = r.value(doc, "updated", (), dt.date, default=dt.date(2000, 1, 1))

    controller = _controller(r, doc)
    purposes = _purposes(r, doc)
    recipients = _recipients(r, doc)
    categories = _categories(r, doc, purposes, recipients)
    events = _events(r, doc)
    rules = _rules(r, doc, categories, events)
    deadlines = _deadlines(r, doc)
    cookies = _cookies(r, doc)
    communication = read_communication(r, doc)
    backups = r.table(doc, "backups", ()) if "backups" in doc else {}
    backup_retention = r.duration(backups, ("backups",)) if backups else None
    if r.problems:
        return None
    return Policy(
        path=r.path,
        version=version,
        updated=updated,
        controller=controller,
        purposes=purposes,
        categories=categories,
        events=events,
        retention=tuple(rules),
        deadlines=deadlines,
        recipients=recipients,
        cookies=tuple(cookies),
        lines=r.lines,
        communication=communication,
        **({"backup_retention": backup_retention} if backup_retention else {}),
    )


def _controller(r: Reader, doc: dict[str, Any]) -> Controller:
    c = r.table(doc, "controller", ())
    w: tuple[str | int, ...] = ("controller",)
    controller = Controller(
        name=r.value(c, "name", w, str, default=""),
        email=r.value(c, "email", w, str, default=""),
        website=r.value(c, "website", w, str, default=""),
        country=r.value(c, "country", w, str, default="SE"),
        contact_form=r.value(c, "contact_form", w, bool, required=False, default=True),
        supervisory_authority=r.value(c, "supervisory_authority", w, str, default=""),
        supervisory_authority_url=r.value(c, "supervisory_authority_url", w, str, default=""),
        automated_decisions=r.value(
            c, "automated_decisions", w, bool, required=False, default=False
        ),
    )
    if controller.email and "@" not in controller.email:
        r.problem((*w, "email"), "email must be an e-mail address")
    if controller.automated_decisions:
        r.problem(
            (*w, "automated_decisions"), "Consonance makes no automated decisions (P30); set false"
        )
    return controller


def _purposes(r: Reader, doc: dict[str, Any]) -> dict[str, Purpose]:
    purposes: dict[str, Purpose] = {}
    for pid, p in r.table(doc, "purposes", ()).items():
        w = ("purposes", pid)
        if not isinstance(p, dict):
            r.problem(w, f"purposes.{pid} must be a table")
            continue
        purposes[pid] = Purpose(
            id=pid,
            promise=r.promise(p, w),
            name=r.text(p, "name", w),
            legal_basis=r.choice(p, "legal_basis", w, LEGAL_BASES),
            special_category_basis=r.choice(
                p, "special_category_basis", w, SPECIAL_BASES, required=False
            ),
        )
    return purposes


def _recipients(r: Reader, doc: dict[str, Any]) -> dict[str, Recipient]:
    recipients: dict[str, Recipient] = {}
    for rid, p in r.table(doc, "recipients", ()).items():
        w = ("recipients", rid)
        if not isinstance(p, dict):
            r.problem(w, f"recipients.{rid} must be a table")
            continue
        agreement = r.choice(p, "agreement", w, AGREEMENTS)
        outside = r.value(p, "transfer_outside_eea", w, bool, default=False)
        recipient = Recipient(
            id=rid,
            name=r.value(p, "name", w, str, default=""),
            role=r.choice(p, "role", w, ROLES),
            service=r.text(p, "service", w),
            agreement=agreement,
            diligence=r.text(p, "diligence", w, required=agreement == "none"),
            transfer_outside_eea=outside,
            transfer_safeguard=r.text(p, "transfer_safeguard", w, required=outside),
            retention=r.text(p, "retention", w),
        )
        recipients[rid] = recipient
    return recipients


def _categories(
    r: Reader,
    doc: dict[str, Any],
    purposes: dict[str, Purpose],
    recipients: dict[str, Recipient],
) -> dict[str, Category]:
    categories: dict[str, Category] = {}
    for cid, p in r.table(doc, "categories", ()).items():
        w = ("categories", cid)
        if not isinstance(p, dict):
            r.problem(w, f"categories.{cid} must be a table")
            continue
        categories[cid] = Category(
            id=cid,
            promise=r.promise(p, w),
            name=r.text(p, "name", w),
            description=r.text(p, "description", w),
            source=r.text(p, "source", w),
            purposes=r.references(p, "purposes", w, purposes, "purpose"),
            recipients=r.references(p, "recipients", w, recipients, "recipient"),
            special=r.value(p, "special", w, bool, required=False, default=False),
        )
        category = categories[cid]
        if category.special and not any(
            purposes[pid].special_category_basis for pid in category.purposes if pid in purposes
        ):
            r.problem(
                (*w, "purposes"),
                "health details (special = true) need a purpose with "
                "special_category_basis (GDPR Art. 9)",
            )
    return categories


def _events(r: Reader, doc: dict[str, Any]) -> dict[str, Text]:
    events: dict[str, Text] = {}
    for eid in r.table(doc, "events", ()):
        text = r.text(doc["events"], eid, ("events",))
        if text:
            events[eid] = text
    return events


def _rules(
    r: Reader, doc: dict[str, Any], categories: dict[str, Category], events: dict[str, Text]
) -> list[RetentionRule]:
    rules: list[RetentionRule] = []
    seen_ids: set[str] = set()
    for index, p in enumerate(r.value(doc, "retention", (), list, default=[])):
        if not isinstance(p, dict):
            r.problem(("retention", index), "each [[retention]] must be a table")
            continue
        rules.append(_rule(r, p, index, seen_ids, categories, events))
    for cid in categories:
        if not any(rule.category == cid for rule in rules):
            r.problem(("categories", cid), f"category {cid!r} has no retention rule")
    return rules


def _rule(
    r: Reader,
    p: dict,
    index: int,
    seen_ids: set[str],
    categories: dict[str, Category],
    events: dict[str, Text],
) -> RetentionRule:
    w = ("retention", index)
    rule_id = r.value(p, "id", w, str, default=f"#{index + 1}")
    if rule_id in seen_ids:
        r.problem((*w, "id"), f"duplicate retention rule id {rule_id!r}")
    seen_ids.add(rule_id)
    category = r.value(p, "category", w, str, default="")
    if category and category not in categories:
        r.problem((*w, "category"), f"unknown category {category!r}")
    after = r.value(p, "after", w, str, default="")
    if after and after not in events:
        r.problem((*w, "after"), f"unknown event {after!r}; declare it under [events]")
    action = r.choice(p, "action", w, ACTIONS)
    keep = tuple(r.value(p, "keep", w, list, required=action == "keep_only", default=[]))
    if keep and action != "keep_only":
        r.problem((*w, "keep"), 'keep only goes with action = "keep_only"')
    unless = r.references(p, "unless", w, categories, "category", required=False)
    rounding = r.choice(p, "round", w, ("end_of_year",), required=False)
    duration = r.duration(p, w)
    return RetentionRule(
        id=rule_id,
        promise=r.promise(p, w),
        category=category,
        after=after,
        duration=duration or Duration(0, "days"),
        action=action or "delete",
        keep=keep,
        unless=unless,
        agreements=r.value(p, "agreements", w, bool, required=False, default=False),
        round=rounding,
        legal_hold=r.value(p, "legal_hold", w, str, required=False),
    )


def _deadlines(r: Reader, doc: dict[str, Any]) -> dict[str, Deadline]:
    deadlines: dict[str, Deadline] = {}
    for index, p in enumerate(r.value(doc, "deadlines", (), list, default=[])):
        w = ("deadlines", index)
        if not isinstance(p, dict):
            r.problem(w, "each [[deadlines]] must be a table")
            continue
        did = r.value(p, "id", w, str, default=f"#{index + 1}")
        duration = r.duration(p, w)
        deadlines[did] = Deadline(
            id=did,
            promise=r.promise(p, w),
            duration=duration or Duration(0, "days"),
            name=r.text(p, "name", w),
        )
    return deadlines


def _cookies(r: Reader, doc: dict[str, Any]) -> list[Cookie]:
    cookies: list[Cookie] = []
    for index, p in enumerate(r.value(doc, "cookies", (), list, required=False, default=[])):
        w = ("cookies", index)
        if not isinstance(p, dict):
            r.problem(w, "each [[cookies]] must be a table")
            continue
        cookies.append(_cookie(r, p, w))
    return cookies


def _cookie(r: Reader, p: dict[str, Any], w: tuple[str | int, ...]) -> Cookie:
    duration = r.duration(p, w)
    necessary = r.value(p, "necessary", w, bool, default=True)
    category = r.value(p, "category", w, str, required=not necessary, default="necessary")
    if not necessary and not re.fullmatch(r"[a-z][a-z0-9_]{0,30}", category or ""):
        r.problem((*w, "category"), 'category must be a short id such as "media"')
    script = r.value(p, "script", w, str, required=False, default="")
    if script and (not re.fullmatch(r"[A-Za-z0-9_./-]+\.js", script) or ".." in script):
        r.problem((*w, "script"), 'script must be a static path of this site, e.g. "web/video.js"')
    return Cookie(
        name=r.value(p, "name", w, str, default=""),
        necessary=necessary,
        duration=duration or Duration(0, "days"),
        purpose=r.text(p, "purpose", w),
        category="necessary" if necessary else category,
        script=script,
    )
