"""Durations as the policy writes them ("48 hours", "2 years") and as the pages say them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from dateutil.relativedelta import relativedelta

UNITS = ("hours", "days", "weeks", "months", "years")
_PATTERN = re.compile(r"^\s*(\d{1,4})\s+(hour|day|week|month|year)s?\s*$")

# Swedish and English forms: (singular, plural).
_WORDS = {
    "sv": {
        "hours": ("timme", "timmar"),
        "days": ("dag", "dagar"),
        "weeks": ("vecka", "veckor"),
        "months": ("månad", "månader"),
        "years": ("år", "år"),
    },
    "en": {
        "hours": ("hour", "hours"),
        "days": ("day", "days"),
        "weeks": ("week", "weeks"),
        "months": ("month", "months"),
        "years": ("year", "years"),
    },
}
_WORD_NUMBERS = {
    "sv": {1: "en", 2: "två", 7: "sju", 10: "tio"},
    "en": {1: "one", 2: "two", 7: "seven", 10: "ten"},
}


@dataclass(frozen=True, slots=True)
class Duration:
    amount: int
    unit: str  # one of UNITS

    @classmethod
    def parse(cls, text: str) -> Duration:
        match = _PATTERN.match(text)
        if not match:
            raise ValueError(
                f"bad duration {text!r}: write a whole number and a unit "
                f'(hours, days, weeks, months or years), e.g. "48 hours" or "2 years"'
            )
        return cls(int(match.group(1)), match.group(2) + "s")

    def after(self, moment: datetime) -> datetime:
        """The moment this long after `moment` (calendar-aware for months and years)."""
        if self.unit in ("months", "years"):
            return moment + relativedelta(**{self.unit: self.amount})
        return moment + timedelta(**{self.unit: self.amount})

    def before(self, moment: datetime) -> datetime:
        """The moment this long before `moment`: the inverse used to find expired rows."""
        if self.unit in ("months", "years"):
            return moment - relativedelta(**{self.unit: self.amount})
        return moment - timedelta(**{self.unit: self.amount})

    def render(self, language: str, *, words: bool = False) -> str:
        forms = _WORDS.get(language, _WORDS["en"])[self.unit]
        noun = forms[0] if self.amount == 1 else forms[1]
        number = str(self.amount)
        if words:
            number = _WORD_NUMBERS.get(language, {}).get(self.amount, number)
            if language == "sv" and self.amount == 1 and self.unit in ("years",):
                number = "ett"
        return f"{number} {noun}"

    def __str__(self) -> str:
        return self.render("en")
