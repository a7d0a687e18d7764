"""What a SIE file is read into (`SieFile`, its vouchers and issues), and the lexing of its
records: fields, quoted strings and object lists (`tokenize`), the text a record adds to
#KSUMMA (`checksum_text`), and each line's encoding (`decode`). The reading is in sie_reader.py.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

Field = str | list[str]


@dataclass
class Issue:
    line: int
    message: str

    def as_dict(self) -> dict:
        return {"line": self.line, "message": self.message}


@dataclass
class Transaction:
    line: int
    account: str
    amount: Decimal


@dataclass
class ReadVoucher:
    line: int
    series: str
    number: str
    date: dt.date | None
    text: str
    transactions: list[Transaction] = field(default_factory=list)


@dataclass
class SieFile:
    type: str = ""
    program: str = ""
    organisation_number: str = ""
    company: str = ""
    years: dict[int, tuple[dt.date, dt.date]] = field(default_factory=dict)
    accounts: dict[str, str] = field(default_factory=dict)
    balances: dict[tuple[str, int, str], Decimal] = field(
        default_factory=dict
    )  # (label, year, acc)
    vouchers: list[ReadVoucher] = field(default_factory=list)
    ksumma: str = "absent"  # "ok" | "absent" | "mismatch"
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def type_label(self) -> str:
        """The type in words, for the page that shows a checked file."""
        labels = {
            "1": _("SIE 1: årssaldon"),
            "2": _("SIE 2: årssaldon och periodsaldon"),
            "3": _("SIE 3: saldon per objekt"),
            "4E": _("SIE 4E: exportfil med verifikationer och saldon"),
            "4I": _("SIE 4I: importfil med verifikationer"),
        }
        return labels.get(self.type, self.type)

    @property
    def transactions(self) -> int:
        return sum(len(v.transactions) for v in self.vouchers)

    def as_json(self) -> dict:
        return {
            "valid": self.valid,
            "type": self.type,
            "program": self.program,
            "vouchers": len(self.vouchers),
            "transactions": self.transactions,
            "accounts": len(self.accounts),
            "ksumma": self.ksumma,
            "errors": [e.as_dict() for e in self.errors],
            "warnings": [w.as_dict() for w in self.warnings],
        }


_TOKEN = re.compile(r'"((?:[^"\\]|\\.)*)"|\{([^}]*)\}|([^\s"{]+)')


def tokenize(line: str) -> list[Field]:
    """Split a record into fields: bare words, quoted strings (`\\"` is `"`), {object lists}."""
    if '"' not in line:  # fast paths: most records, and a #TRANS with an empty object list
        if "{" not in line:
            return line.split()  # type: ignore[return-value]
        if line.count("{") == 1 and line.count("}") == 1 and " {} " in line:
            return [[] if t == "{}" else t for t in line.split()]
    out: list[Field] = []
    pos, n = 0, len(line)
    while pos < n:
        while pos < n and line[pos] in " \t":
            pos += 1
        if pos >= n:
            break
        match = _TOKEN.match(line, pos)
        if match is None:  # an unterminated quote or brace: the rest of the line is the field
            rest = line[pos + 1 :]
            out.append(rest.replace('\\"', '"') if line[pos] == '"' else tokenize(rest))  # type: ignore[arg-type]
            break
        quoted, inner, bare = match.groups()
        if quoted is not None:
            out.append(quoted.replace('\\"', '"'))
        elif inner is not None:
            out.append([t for t in tokenize(inner) if isinstance(t, str)])
        else:
            out.append(bare)
        pos = match.end()
    return out


def checksum_text(fields: list[Field]) -> str:
    """What a record contributes to #KSUMMA: its fields' contents, concatenated."""
    return "".join(f if isinstance(f, str) else "".join(f) for f in fields)


def decode(raw: bytes) -> tuple[str, str]:
    """A line as text and its encoding: UTF-8 when valid UTF-8 with non-ASCII in it, else CP437."""
    if raw.isascii():
        return raw.decode("ascii"), "ascii"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("cp437"), "cp437"


def parse_date(text: str) -> dt.date | None:
    if not re.fullmatch(r"\d{8}", text):
        return None
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None
