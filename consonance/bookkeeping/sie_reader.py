"""Reading and verifying any SIE 4 file (type 4E or 4I), as accounting programs write them.

Lenient where real files deviate harmlessly (warnings): UTF-8 under #FORMAT PC8 (even mixed
line by line), an organisation number without its hyphen or left empty, voucher numbers out of
order within a series, unknown labels. Strict on what matters (errors, as `line: message`): a
missing mandatory record, a voucher that does not balance, a #KSUMMA that does not match, an
amount or a date that cannot be read, a #TRANS outside a voucher.

#KSUMMA (see ../shared/reference/protocols.md): a bare `#KSUMMA` after #FLAGGA opens it,
`#KSUMMA n` closes it; n is zlib.crc32 chained over each record in between, a record counting
as its label and the contents of its fields concatenated (no blanks between fields, no quotes,
no braces, `\\"` as `"`), over the bytes as written; the `{` and `}` lines count for nothing.
"""

from __future__ import annotations

import datetime as dt
import re
import zlib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

Field = str | list[str]

AMOUNT = re.compile(r"^-?\d+(\.\d+)?$")
ORGNR = re.compile(r"^\d{6}-\d{4}$")
MANDATORY = ("#FLAGGA", "#PROGRAM", "#FORMAT", "#GEN", "#SIETYP", "#FNAMN")
MANDATORY_4E = ("#RAR", "#KONTO", "#IB", "#UB", "#RES")


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


def _decode(raw: bytes) -> tuple[str, str]:
    """A line as text and its encoding: UTF-8 when valid UTF-8 with non-ASCII in it, else CP437."""
    if raw.isascii():
        return raw.decode("ascii"), "ascii"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("cp437"), "cp437"


def _date(text: str) -> dt.date | None:
    if not re.fullmatch(r"\d{8}", text):
        return None
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None


class _Reader:
    def __init__(self, data: bytes, filename: str) -> None:
        self.data = data
        self.filename = filename
        self.sie = SieFile()
        self.seen: set[str] = set()
        self.voucher: ReadVoucher | None = None
        self.in_block = False
        self.utf8_lines = 0
        self.crc: list[bytes] | None = None  # what #KSUMMA covers, while open
        self.ksumma_expected: str | None = None
        self.last_number: dict[str, int] = {}

    def error(self, line: int, message: str) -> None:
        self.sie.errors.append(Issue(line, message))

    def warn(self, line: int, message: str) -> None:
        self.sie.warnings.append(Issue(line, message))

    def amount(self, line: int, text: str, what: str) -> Decimal | None:
        if not AMOUNT.match(text or ""):
            self.error(line, _("%(what)s: oläsligt belopp %(text)r") % {"what": what, "text": text})
            return None
        if "." in text and len(text.split(".")[1]) > 2:
            self.warn(
                line,
                _("%(what)s: beloppet %(text)s har fler än två decimaler")
                % {"what": what, "text": text},
            )
        try:
            return Decimal(text)
        except InvalidOperation:  # pragma: no cover - the pattern rules it out
            self.error(line, _("%(what)s: oläsligt belopp %(text)r") % {"what": what, "text": text})
            return None

    def date(self, line: int, text: str, what: str) -> dt.date | None:
        value = _date(text)
        if value is None:
            self.error(
                line,
                _("%(what)s: oläsligt datum %(text)r (ÅÅÅÅMMDD väntades)")
                % {"what": what, "text": text},
            )
        return value

    def run(self) -> SieFile:
        first = True
        for number, raw in enumerate(self.data.split(b"\n"), start=1):
            raw = raw.rstrip(b"\r")
            stripped = raw.strip()
            if not stripped:
                continue
            text, encoding = _decode(stripped)
            self.utf8_lines += encoding == "utf-8"
            if text in ("{", "}"):
                self.brace(number, text)
                continue
            if not text.startswith("#"):
                self.error(number, _("ingen post: %(text)r") % {"text": text[:40]})
                continue
            fields = tokenize(text)
            label = str(fields[0]).upper()
            if first and label != "#FLAGGA":
                self.error(number, _("den första posten måste vara #FLAGGA"))
            first = False
            if label == "#KSUMMA":
                self.ksumma(number, fields)
            elif self.crc is not None:
                # The bytes as written: the tokens re-encoded the way the line was decoded.
                self.crc.append(checksum_text(fields).encode(encoding))
            self.seen.add(label)
            handler = getattr(self, "rec_" + label[1:].lower(), None)
            if handler is not None:
                handler(number, fields[1:])
        self.finish()
        return self.sie

    def ksumma(self, number: int, fields: list[Field]) -> None:
        if len(fields) == 1:
            self.crc = []
            return
        self.ksumma_expected = str(fields[1])
        if self.crc is None:
            self.error(number, _("#KSUMMA avslutar en kontrollsumma som aldrig påbörjades"))
            return
        crc = zlib.crc32(b"".join(self.crc))
        if str(crc) == self.ksumma_expected:
            self.sie.ksumma = "ok"
        else:
            self.sie.ksumma = "mismatch"
            self.error(
                number,
                _(
                    "#KSUMMA %(expected)s stämmer inte med filens innehåll (%(actual)s): "
                    "filen har ändrats efter att den skrevs"
                )
                % {"expected": self.ksumma_expected, "actual": crc},
            )
        self.crc = None

    def brace(self, number: int, text: str) -> None:
        if text == "{":
            if self.voucher is None or self.in_block:
                self.error(number, _("'{' utan #VER före"))
            self.in_block = True
        else:
            if not self.in_block:
                self.error(number, _("'}' utan '{' före"))
            self.close_voucher()

    def close_voucher(self) -> None:
        voucher = self.voucher
        if voucher is not None:
            total = sum((t.amount for t in voucher.transactions), Decimal(0))
            if total != 0:
                self.error(
                    voucher.line,
                    _(
                        "verifikation %(series)s %(number)s balanserar inte: "
                        "dess #TRANS-rader summerar till %(total)s"
                    )
                    % {"series": voucher.series, "number": voucher.number, "total": total},
                )
        self.voucher = None
        self.in_block = False

    # -- records -------------------------------------------------------------------------------

    def rec_program(self, line: int, f: list[Field]) -> None:
        self.sie.program = " ".join(str(x) for x in f[:2] if isinstance(x, str)).strip()

    def rec_format(self, line: int, f: list[Field]) -> None:
        if not f or str(f[0]).upper() != "PC8":
            self.warn(line, _("#FORMAT bör vara PC8"))

    def rec_gen(self, line: int, f: list[Field]) -> None:
        self.date(line, str(f[0]) if f else "", "#GEN")

    def rec_sietyp(self, line: int, f: list[Field]) -> None:
        if not f or str(f[0]) != "4":
            self.error(
                line,
                _("#SIETYP %(type)s: det här är inte en fil av typ 4")
                % {"type": f[0] if f else ""},
            )

    def rec_fnamn(self, line: int, f: list[Field]) -> None:
        self.sie.company = str(f[0]) if f else ""

    def rec_orgnr(self, line: int, f: list[Field]) -> None:
        value = str(f[0]) if f else ""
        self.sie.organisation_number = value
        if not value:
            self.warn(line, _("#ORGNR är tomt"))
        elif re.fullmatch(r"\d{10}", value):
            self.warn(
                line, _("#ORGNR %(value)s saknar bindestreck (NNNNNN-NNNN)") % {"value": value}
            )
        elif not ORGNR.match(value):
            self.warn(line, _("#ORGNR %(value)s har inte formen NNNNNN-NNNN") % {"value": value})

    def rec_rar(self, line: int, f: list[Field]) -> None:
        if len(f) < 3:
            self.error(line, _("#RAR behöver ett årsnummer, ett start- och ett slutdatum"))
            return
        start = self.date(line, str(f[1]), "#RAR")
        end = self.date(line, str(f[2]), "#RAR")
        try:
            year = int(str(f[0]))
        except ValueError:
            self.error(line, _("#RAR: oläsligt årsnummer %(year)r") % {"year": f[0]})
            return
        if start and end:
            self.sie.years[year] = (start, end)

    def rec_konto(self, line: int, f: list[Field]) -> None:
        if not f or not str(f[0]).strip():
            self.error(line, _("#KONTO utan kontonummer"))
            return
        self.sie.accounts[str(f[0])] = str(f[1]) if len(f) > 1 else ""

    def _balance(self, label: str, line: int, f: list[Field]) -> None:
        if len(f) < 3:
            self.error(
                line,
                _("%(label)s behöver ett årsnummer, ett konto och ett belopp") % {"label": label},
            )
            return
        # #RES has no object list; #IB/#UB neither (#OIB/#OUB have one, ignored here).
        amount = self.amount(line, str(f[2]), label)
        if amount is not None:
            self.sie.balances[
                (label, int(str(f[0])) if str(f[0]).lstrip("-").isdigit() else 0, str(f[1]))
            ] = amount

    def rec_ib(self, line: int, f: list[Field]) -> None:
        self._balance("#IB", line, f)

    def rec_ub(self, line: int, f: list[Field]) -> None:
        self._balance("#UB", line, f)

    def rec_res(self, line: int, f: list[Field]) -> None:
        self._balance("#RES", line, f)

    def rec_ver(self, line: int, f: list[Field]) -> None:
        if self.voucher is not None:
            self.error(self.voucher.line, _("verifikationen avslutas inte med '}' före nästa #VER"))
            self.close_voucher()
        if len(f) < 3:
            self.error(line, _("#VER behöver en serie, ett nummer och ett datum"))
        series = str(f[0]) if len(f) > 0 else ""
        number = str(f[1]) if len(f) > 1 else ""
        date = self.date(line, str(f[2]), "#VER") if len(f) > 2 else None
        text = str(f[3]) if len(f) > 3 and isinstance(f[3], str) else ""
        self.voucher = ReadVoucher(line, series, number, date, text)
        self.sie.vouchers.append(self.voucher)
        if number.isdigit():
            last = self.last_number.get(series)
            if last is not None and int(number) <= last:
                self.warn(
                    line,
                    _("verifikation %(series)s %(number)s kommer efter %(series)s %(last)s")
                    % {"series": series, "number": number, "last": last},
                )
            self.last_number[series] = int(number)

    def rec_trans(self, line: int, f: list[Field]) -> None:
        if self.voucher is None or not self.in_block:
            self.error(line, _("#TRANS utanför en verifikation"))
            return
        if len(f) < 3 or not isinstance(f[1], list):
            self.error(line, _("#TRANS behöver ett konto, en objektlista {} och ett belopp"))
            return
        amount = self.amount(line, str(f[2]), "#TRANS")
        if len(f) > 3 and isinstance(f[3], str) and f[3]:
            self.date(line, f[3], "#TRANS")
        if amount is not None:
            self.voucher.transactions.append(Transaction(line, str(f[0]), amount))

    def finish(self) -> None:
        if self.voucher is not None:
            self.error(self.voucher.line, _("den sista verifikationen avslutas inte med '}'"))
        if self.utf8_lines:
            self.warn(
                1,
                _("%(count)s rad(er) är UTF-8, inte PC8 (CP437); lästa som UTF-8")
                % {"count": self.utf8_lines},
            )
        if self.crc is not None:
            self.error(1, _("#KSUMMA påbörjades men avslutades aldrig"))
        extension = self.filename.lower().rsplit(".", 1)[-1] if "." in self.filename else ""
        if extension == "si" or (extension != "se" and "#RES" not in self.seen):
            self.sie.type = "4I"
        else:
            self.sie.type = "4E"
        required = MANDATORY + (MANDATORY_4E if self.sie.type == "4E" else ())
        for label in required:
            if label not in self.seen:
                self.error(1, _("obligatorisk post %(label)s saknas") % {"label": label})


def read_sie(data: bytes, filename: str = "") -> SieFile:
    """Read and verify a SIE 4 file; problems are in `.errors` and `.warnings`."""
    return _Reader(data, filename).run()
