"""The typed model of a policy file (what `privacy.policy.get_policy()` returns)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from consonance.privacy.durations import Duration
from consonance.privacy.toml_lines import line_of

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
AUDIENCES = ("client", "coach")
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
class Communication:
    """One reason the practice sends e-mail (P20). `audience`: "client" (listed on the policy
    page) or "coach" (notes the site sends the coach herself)."""

    id: str
    promise: str
    audience: str
    name: Text  # a short label ("Återbetalning"), for the coach's outbox page
    text: Text  # the reason in words, for the policy page and her export


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
    # [backups] retention: how long a backup is kept before it is deleted (issue 12).
    backup_retention: Duration = field(default_factory=lambda: Duration(30, "days"))
    # [communication]: the only reasons mail is sent (P20), in the order the policy page lists them.
    communication: dict[str, Communication] = field(default_factory=dict)

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
