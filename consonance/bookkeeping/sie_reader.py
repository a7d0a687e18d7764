"""Reading and verifying any SIE file (types 1, 2, 3, 4E and 4I), as accounting programs write them.

The type is decided by the content, never by the file's name: `#SIETYP` gives 1 to 4 (absent:
1, as the spec says), and a type 4 file with balances (#IB, #UB or #RES) is an export file (4E),
without them an import file (4I). A name that says otherwise (`.se` for an import file, as
Magenta and other programs write them) is a warning. The organisation number in #ORGNR is
checked with its check digit (python-stdnum); a wrong one is a warning, as the file is someone
else's.

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
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from consonance.bookkeeping.sie_records import (
    Field,
    Issue,
    ReadVoucher,
    SieFile,
    Transaction,
    checksum_text,
    decode,
    parse_date,
    tokenize,
)
from consonance.lib.company_ids import organisation_number_problem

__all__ = ["SieFile", "read_sie", "tokenize"]

AMOUNT = re.compile(r"^-?\d+(\.\d+)?$")
ORGNR = re.compile(r"^\d{6}-\d{4}$")
MANDATORY = ("#FLAGGA", "#PROGRAM", "#FORMAT", "#GEN", "#FNAMN")
BALANCES = ("#IB", "#UB", "#RES")
# What each type must hold besides MANDATORY (SIE filformat 4B, 8.1): balance files (1-3) and
# export files (4E) their accounts, years and balances; types 2 and 3 their period balances too.
# A balance file with none of its balances is an error; one with some, a warning (Fortnox writes
# #IB/#UB without #RES, SmallOffice #UB/#RES without #IB).
MANDATORY_BY_TYPE = {
    "1": ("#RAR", "#KONTO"),
    "2": ("#RAR", "#KONTO", "#PSALDO"),
    "3": ("#RAR", "#KONTO", "#PSALDO"),
    "4E": ("#RAR", "#KONTO"),
    "4I": (),
}


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
        self.declared = ""  # what #SIETYP says

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
        value = parse_date(text)
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
            text, encoding = decode(stripped)
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
        declared = str(f[0]) if f else ""
        if declared not in ("1", "2", "3", "4"):
            self.error(
                line,
                _("#SIETYP %(type)s: SIE-filer är av typ 1, 2, 3 eller 4") % {"type": declared},
            )
            return
        self.declared = declared

    def rec_fnamn(self, line: int, f: list[Field]) -> None:
        self.sie.company = str(f[0]) if f else ""

    def rec_orgnr(self, line: int, f: list[Field]) -> None:
        value = str(f[0]) if f else ""
        self.sie.organisation_number = value
        if not value:
            self.warn(line, _("#ORGNR är tomt"))
            return
        if re.fullmatch(r"\d{10}", value):
            self.warn(
                line, _("#ORGNR %(value)s saknar bindestreck (NNNNNN-NNNN)") % {"value": value}
            )
        elif not ORGNR.match(value):
            self.warn(line, _("#ORGNR %(value)s har inte formen NNNNNN-NNNN") % {"value": value})
            return
        if organisation_number_problem(value):
            self.warn(
                line,
                _("#ORGNR %(value)s är inget organisationsnummer: kontrollsiffran stämmer inte")
                % {"value": value},
            )

    def rec_rar(self, line: int, f: list[Field]) -> None:
        if len(f) < 3:  # BL Administration's import files write "#RAR 0" alone
            self.warn(line, _("#RAR utan start- och slutdatum: räkenskapsåret är okänt"))
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
        self.sie.type = self.file_type()
        required = MANDATORY + MANDATORY_BY_TYPE[self.sie.type]
        for label in required:
            if label not in self.seen:
                self.error(1, _("obligatorisk post %(label)s saknas") % {"label": label})
        if self.sie.type != "4I":
            self.balances_present()
        elif self.sie.vouchers == []:
            self.warn(1, _("filen har inga verifikationer"))

    def file_type(self) -> str:
        """1, 2, 3, 4E or 4I, from the content; the name only earns a warning."""
        declared = self.declared
        if not declared:
            declared = "4" if "#VER" in self.seen else "1"
            if "#SIETYP" not in self.seen:
                self.warn(1, _("#SIETYP saknas: läst som typ %(type)s") % {"type": declared})
        extension = self.filename.lower().rsplit(".", 1)[-1] if "." in self.filename else ""
        if declared != "4":
            if "#VER" in self.seen:
                self.warn(
                    1,
                    _("en fil av typ %(type)s har verifikationer; de är lästa ändå")
                    % {"type": declared},
                )
            return declared
        if any(label in self.seen for label in BALANCES):
            if extension == "si":
                self.warn(
                    1,
                    _(
                        "filen heter .si men har saldon (#IB, #UB, #RES): "
                        "läst som exportfil (typ 4E)"
                    ),
                )
            return "4E"
        if extension == "se":
            self.warn(
                1,
                _(
                    "filen har inga saldon (#IB, #UB, #RES): läst som importfil (typ 4I), "
                    "fast namnet slutar på .se"
                ),
            )
        return "4I"

    def balances_present(self) -> None:
        missing = [label for label in BALANCES if label not in self.seen]
        if len(missing) == len(BALANCES) and self.sie.type != "4E":
            self.error(
                1,
                _("en fil av typ %(type)s utan saldon (#IB, #UB, #RES)") % {"type": self.sie.type},
            )
        elif missing:
            self.warn(
                1,
                _("posterna %(labels)s saknas: saldona är ofullständiga")
                % {"labels": ", ".join(missing)},
            )


def read_sie(data: bytes, filename: str = "") -> SieFile:
    """Read and verify a SIE file of any type; problems are in `.errors` and `.warnings`."""
    return _Reader(data, filename).run()
