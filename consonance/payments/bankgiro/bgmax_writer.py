"""Writer for minimal but valid BgMax files, for tests and benchmarks.

It produces TK01, then per deposit TK05, one TK20 (or TK21 for a negative amount) per payment
with an optional TK26 name record, TK15 with the correct sum and count, and finally TK70.
Whatever it writes reads back through parse_bgmax() unchanged.

    write_bgmax([
        DepositInput(date(2024, 5, 2), serial=1, payments=[("1234574", Decimal("100.00"))]),
    ])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from consonance.payments.bankgiro.bgmax_reader import RECORD_LENGTH, STOCKHOLM

DEFAULT_RECEIVING_BANKGIRO = "0009912346"
DEFAULT_SENDER_BANKGIRO = "0003783511"
DEFAULT_ACCOUNT = "00000000000000000005841000001009823"
_MAX_ORE = 10**18 - 1  # 18-digit amount field

# (reference, amount) or (reference, amount, payer name). A negative amount becomes a TK21
# deduction of the absolute amount.
PaymentInput = tuple[str, Decimal] | tuple[str, Decimal, str]


@dataclass(frozen=True, slots=True)
class DepositInput:
    """One TK05 ... TK15 deposit to write. ``serial`` is the 5-digit deposit serial number."""

    payment_date: date
    serial: int | str
    payments: Sequence[PaymentInput] = field(default_factory=tuple)
    currency: str = "SEK"


def write_bgmax(
    deposits: Sequence[DepositInput],
    *,
    receiving_bankgiro: str = DEFAULT_RECEIVING_BANKGIRO,
    timestamp: datetime | None = None,
    test: bool = False,
    newline: str = "\n",
) -> bytes:
    """Return a complete BgMax file (Latin-1 bytes). Raises ValueError on unwritable input."""
    if not (len(receiving_bankgiro) == 10 and _is_digits(receiving_bankgiro)):
        raise ValueError(f"receiving bankgiro must be 10 digits, got {receiving_bankgiro!r}")
    if newline not in ("\n", "\r\n"):
        raise ValueError(f"newline must be LF or CRLF, got {newline!r}")
    lines = [_tk01(timestamp, test)]
    counts = {"20": 0, "21": 0, "15": 0}
    bgc_serial = 0
    for deposit in deposits:
        lines.append(_record("05", receiving_bankgiro, " " * 10, _currency(deposit.currency)))
        total_ore = 0
        for payment in deposit.payments:
            bgc_serial += 1
            reference, amount, *rest = payment
            ore = _to_ore(amount)
            tk = "21" if ore < 0 else "20"
            lines.append(_payment_record(tk, reference, abs(ore), bgc_serial))
            if rest and rest[0]:
                lines.append(_record("26", _text(rest[0], 35, "name")))
            counts[tk] += 1
            total_ore += ore
        if not 0 <= total_ore <= _MAX_ORE:
            raise ValueError(f"deposit {deposit.serial}: total {total_ore} öre cannot be written")
        lines.append(
            _record(
                "15",
                DEFAULT_ACCOUNT,
                _date(deposit.payment_date),
                _serial(deposit.serial),
                f"{total_ore:018d}",
                _currency(deposit.currency),
                f"{len(deposit.payments):08d}",
            )
        )
        counts["15"] += 1
    lines.append(
        _record("70", f"{counts['20']:08d}", f"{counts['21']:08d}", "0" * 8, f"{counts['15']:08d}")
    )
    return (newline.join(lines) + newline).encode("latin-1")


def _record(tk: str, *fields: str) -> str:
    record = tk + "".join(fields)
    if len(record) > RECORD_LENGTH:  # a bug in this module, not in the caller's input
        raise AssertionError(f"TK{tk} record is {len(record)} characters")
    return record.ljust(RECORD_LENGTH)


def _tk01(timestamp: datetime | None, test: bool) -> str:
    if timestamp is None:
        timestamp = datetime.now(STOCKHOLM)
    elif timestamp.tzinfo is None:
        raise ValueError("timestamp must be timezone-aware")
    stamp = timestamp.astimezone(STOCKHOLM).strftime("%Y%m%d%H%M%S%f")
    return _record("01", "BGMAX".ljust(20), "01", stamp, "T" if test else "P")


def _payment_record(tk: str, reference: str, ore: int, bgc_serial: int) -> str:
    reference = _text(reference, 25, "reference")
    # OCR numbers are right-aligned in the file, free-text references left-aligned.
    if _is_digits(reference):
        code, field_text = "2", reference.rjust(25)
    elif reference:
        code, field_text = "4", reference.ljust(25)
    else:
        code, field_text = "1", " " * 25
    fields = [DEFAULT_SENDER_BANKGIRO, field_text, f"{ore:018d}", code, "1", f"{bgc_serial:012d}"]
    fields.append("0")  # no image
    if tk == "21":
        fields.append("0")  # deduction code
    return _record(tk, *fields)


def _to_ore(amount: Decimal) -> int:
    ore = Decimal(amount).scaleb(2)
    if not ore.is_finite() or ore != ore.to_integral_value():
        raise ValueError(f"amount {amount} is not a whole number of öre")
    if abs(ore) > _MAX_ORE:
        raise ValueError(f"amount {amount} does not fit 18 digits of öre")
    return int(ore)


def _text(value: str, width: int, what: str) -> str:
    # The reader strips fields, so surrounding spaces could not survive a round trip.
    if value != value.strip():
        raise ValueError(f"{what} {value!r} has leading or trailing whitespace")
    if len(value) > width:
        raise ValueError(f"{what} {value!r} is longer than {width} characters")
    if not value.isprintable():
        raise ValueError(f"{what} {value!r} contains control characters")
    try:
        value.encode("latin-1")
    except UnicodeEncodeError as error:
        raise ValueError(f"{what} {value!r} is not Latin-1") from error
    return value


def _currency(currency: str) -> str:
    if not (
        len(currency) == 3 and currency.isascii() and currency.isalpha() and currency.isupper()
    ):
        raise ValueError(f"currency must be a three-letter upper-case code, got {currency!r}")
    return currency


def _serial(serial: int | str) -> str:
    text = f"{serial:05d}" if isinstance(serial, int) else serial
    if not (len(text) == 5 and _is_digits(text)):
        raise ValueError(f"deposit serial must fit 5 digits, got {serial!r}")
    return text


def _date(day: date) -> str:
    # strftime("%Y") does not zero-pad years before 1000 on every platform.
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


def _is_digits(value: str) -> bool:
    return value.isascii() and value.isdigit()
