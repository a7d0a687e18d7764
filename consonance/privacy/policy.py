"""The policy file: its typed model, its loader and its validator.

`load_policy(path)` returns a `Policy` or raises `PolicyInvalid` carrying every problem found, each
as `file:line: message`. The rest of the code reads the policy in force through `get_policy()`.
policy/README.md documents every key.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from consonance.privacy.durations import Duration
from consonance.privacy.toml_lines import key_lines, line_of

LANGUAGES = ("sv", "en")
LEGAL_BASES = {
    "consent": "6.1.a",
    "contract": "6.1.b",
    "legal_obligation": "6.1.c",
    "legitimate_interest": "6.1.f",
}
SPECIAL_BASES = {"explicit_consent": "9.2.a", "health_or_social_care": "9.2.h"}
ACTIONS = ("delete", "anonymise", "keep_only")
ROLES = ("controller", "processor")
AGREEMENTS = ("dpa", "none")
PROMISE_IDS = {f"P{n}" for n in range(1, 32)}


@dataclass(frozen=True, slots=True)
class Text:
    """A text in every language of the site."""

    sv: str
    en: str

    def get(self, language: str) -> str:
        return self.en if language == "en" else self.sv


@dataclass(frozen=True, slots=True)
class Controller:
    name: str
    email: str
    website: str
    country: str
    contact_form: bool
    supervisory_authority: str
    supervisory_authority_url: str
    automated_decisions: bool


@dataclass(frozen=True, slots=True)
class Purpose:
    id: str
    promise: str
    name: Text
    legal_basis: str
    special_category_basis: str | None

    @property
    def article(self) -> str:
        return LEGAL_BASES[self.legal_basis]

    @property
    def special_article(self) -> str | None:
        return SPECIAL_BASES[self.special_category_basis] if self.special_category_basis else None


@dataclass(frozen=True, slots=True)
class Category:
    id: str
    promise: str
    name: Text
    description: Text
    source: Text
    purposes: tuple[str, ...]
    recipients: tuple[str, ...]
    special: bool


@dataclass(frozen=True, slots=True)
class RetentionRule:
    id: str
    promise: str
    category: str
    after: str  # an event id
    duration: Duration
    action: str
    keep: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()
    agreements: bool = False
    round: str | None = None  # "end_of_year": expiry moves to the end of that calendar year
    legal_hold: str | None = None

    def expires(self, start: dt.datetime) -> dt.datetime:
        """When data whose clock started at `start` must be gone."""
        end = self.duration.after(start)
        if self.round == "end_of_year":
            # Bokföringslagen: kept "to the end of the seventh year after the calendar year in
            # which the fiscal year ended", so a 2009 voucher may go from 2017-01-01.
            end = end.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
            end = end.replace(year=end.year + 1)
        return end

    def cutoff(self, now: dt.datetime) -> dt.datetime:
        """Clock starts before this moment have expired at `now` (for set-based queries)."""
        if self.round == "end_of_year":
            # Expired when end_of_year(start + duration) <= now, i.e. start + duration falls in
            # a calendar year before now's: start < Jan 1 of now's year minus the duration.
            return self.duration.before(
                now.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
            )
        return self.duration.before(now)


@dataclass(frozen=True, slots=True)
class Deadline:
    id: str
    promise: str
    duration: Duration
    name: Text


@dataclass(frozen=True, slots=True)
class Recipient:
    id: str
    name: str
    role: str
    service: Text
    agreement: str
    diligence: Text | None
    transfer_outside_eea: bool
    transfer_safeguard: Text | None
    retention: Text


@dataclass(frozen=True, slots=True)
class Cookie:
    name: str
    necessary: bool
    duration: Duration
    purpose: Text
    # Non-necessary cookies only: the consent category they belong to (e.g. "media"), and the
    # site's own script (a static path) that sets or needs them, loaded only after consent.
    category: str = "necessary"
    script: str = ""


@dataclass(frozen=True, slots=True)
class Policy:
    path: Path
    version: int
    updated: dt.date
    controller: Controller
    purposes: dict[str, Purpose]
    categories: dict[str, Category]
    events: dict[str, Text]
    retention: tuple[RetentionRule, ...]
    deadlines: dict[str, Deadline]
    recipients: dict[str, Recipient]
    cookies: tuple[Cookie, ...]
    lines: dict[tuple[str | int, ...], int] = field(repr=False, compare=False)

    def rules_for(self, category: str) -> list[RetentionRule]:
        return [rule for rule in self.retention if rule.category == category]

    def rule(self, rule_id: str) -> RetentionRule:
        return next(rule for rule in self.retention if rule.id == rule_id)

    def where(self, *path: str | int) -> str:
        """`file:line` of a key, for messages that point into the policy."""
        return f"{self.path}:{line_of(self.lines, path)}"


@dataclass(frozen=True, slots=True)
class Problem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class PolicyInvalid(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class _Reader:
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


def load_policy(path: str | Path) -> Policy:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise PolicyInvalid(
            [Problem(str(path), 0, f"cannot read the file: {error.strerror}")]
        ) from error
    except UnicodeDecodeError as error:
        line = text_line_of_offset(path.read_bytes(), error.start)
        raise PolicyInvalid([Problem(str(path), line, "the file is not valid UTF-8")]) from error
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        line = getattr(error, "lineno", None) or _line_from_message(str(error))
        message = getattr(error, "msg", None) or str(error).split(" (at ")[0]
        raise PolicyInvalid([Problem(str(path), line, f"TOML syntax error: {message}")]) from error
    reader = _Reader(path, text)
    policy = _read(reader, doc)
    if reader.problems:
        raise PolicyInvalid(reader.problems)
    assert policy is not None
    return policy


def text_line_of_offset(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _line_from_message(message: str) -> int:
    # Python < 3.14 only puts the position in the message: "... (at line 3, column 7)".
    import re

    match = re.search(r"at line (\d+)", message)
    return int(match.group(1)) if match else 1


def _read(r: _Reader, doc: dict[str, Any]) -> Policy | None:
    version = r.value(doc, "version", (), int, default=1)
    if version != 1:
        r.problem(("version",), f"unsupported policy version {version}; this Consonance reads 1")
    updated = r.value(doc, "updated", (), dt.date, default=dt.date(2000, 1, 1))

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

    events: dict[str, Text] = {}
    for eid in r.table(doc, "events", ()):
        text = r.text(doc["events"], eid, ("events",))
        if text:
            events[eid] = text

    rules: list[RetentionRule] = []
    raw_rules = r.value(doc, "retention", (), list, default=[])
    seen_ids: set[str] = set()
    for index, p in enumerate(raw_rules):
        w = ("retention", index)
        if not isinstance(p, dict):
            r.problem(w, "each [[retention]] must be a table")
            continue
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
        rules.append(
            RetentionRule(
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
        )
    for cid in categories:
        if not any(rule.category == cid for rule in rules):
            r.problem(("categories", cid), f"category {cid!r} has no retention rule")

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

    cookies: list[Cookie] = []
    for index, p in enumerate(r.value(doc, "cookies", (), list, required=False, default=[])):
        w = ("cookies", index)
        if not isinstance(p, dict):
            r.problem(w, "each [[cookies]] must be a table")
            continue
        duration = r.duration(p, w)
        necessary = r.value(p, "necessary", w, bool, default=True)
        category = r.value(p, "category", w, str, required=not necessary, default="necessary")
        if not necessary and not re.fullmatch(r"[a-z][a-z0-9_]{0,30}", category or ""):
            r.problem((*w, "category"), 'category must be a short id such as "media"')
        script = r.value(p, "script", w, str, required=False, default="")
        if script and (not re.fullmatch(r"[A-Za-z0-9_./-]+\.js", script) or ".." in script):
            r.problem(
                (*w, "script"), 'script must be a static path of this site, e.g. "web/video.js"'
            )
        cookies.append(
            Cookie(
                name=r.value(p, "name", w, str, default=""),
                necessary=necessary,
                duration=duration or Duration(0, "days"),
                purpose=r.text(p, "purpose", w),
                category="necessary" if necessary else category,
                script=script,
            )
        )

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
    )


@lru_cache(maxsize=4)
def _cached(path: str, mtime_ns: int) -> Policy:
    return load_policy(path)


def get_policy() -> Policy:
    """The policy in force (CONSONANCE_POLICY), re-read when the file changes."""
    from django.conf import settings

    path = Path(settings.CONSONANCE_POLICY)
    return _cached(str(path), path.stat().st_mtime_ns)
