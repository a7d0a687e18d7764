"""BgMax reader and writer (pure Python, no database)."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from consonance.lib.ocr import ocr_is_valid, ocr_make
from consonance.payments.bankgiro.bgmax_reader import (
    BgMaxError,
    BgMaxFile,
    ExtraReference,
    parse_bgmax,
)
from consonance.payments.bankgiro.bgmax_writer import DepositInput, PaymentInput, write_bgmax

SAMPLE_PATH = Path(__file__).parent / "fixtures" / "bgmax" / "bankgirot-exempelfil-ocr-langd.txt"
SAMPLE_SHA256 = "93a092a889ad97743d102166cf2773133683e5b3fbed94289314bc248d1f0e42"
STOCKHOLM = ZoneInfo("Europe/Stockholm")

# Line numbers in the sample file.
FIRST_TK20 = 3
TK15_LINES = {"00074": 23, "00075": 49, "00076": 65}
TK70_LINE = 66


@pytest.fixture(scope="module")
def sample() -> bytes:
    return SAMPLE_PATH.read_bytes()


@pytest.fixture(scope="module")
def parsed(sample: bytes) -> BgMaxFile:
    return parse_bgmax(sample, filename="exempel.txt")


def edit(data: bytes, change: Callable[[list[str]], None]) -> bytes:
    """Apply ``change`` to the file's lines (1-based numbering lives in the callers)."""
    lines = data.decode("latin-1").split("\n")
    change(lines)
    return "\n".join(lines).encode("latin-1")


def replace_columns(line: str, column: int, text: str) -> str:
    """Overwrite ``line`` from 1-based ``column`` with ``text``."""
    return line[: column - 1] + text + line[column - 1 + len(text) :]


def refused(data: bytes) -> BgMaxError:
    with pytest.raises(BgMaxError) as caught:
        parse_bgmax(data, filename="bad.txt")
    return caught.value


# -- Bankgirot's example file ---------------------------------------------------------------


def test_sample_fixture_is_the_unmodified_bankgirot_file(sample: bytes) -> None:
    assert hashlib.sha256(sample).hexdigest() == SAMPLE_SHA256


def test_sample_header_has_timestamp_and_production_flag(parsed: BgMaxFile) -> None:
    assert parsed.timestamp == datetime(2004, 5, 25, 17, 30, 35, 10331, tzinfo=STOCKHOLM)
    assert parsed.timestamp.strftime("%Y%m%d%H%M%S%f") == "20040525173035010331"
    assert parsed.test is False
    assert parsed.version == "01"
    assert parsed.filename == "exempel.txt"


def test_sample_has_three_deposits_with_bankgirot_totals(parsed: BgMaxFile) -> None:
    summary = [
        (d.serial, d.amount, d.currency, len(d.payments), d.payment_date, d.receiving_bankgiro)
        for d in parsed.deposits
    ]
    may_25 = date(2004, 5, 25)
    assert summary == [
        ("00074", Decimal("1900.00"), "SEK", 3, may_25, "0009912346"),
        ("00075", Decimal("8000.00"), "SEK", 4, may_25, "0009912346"),
        ("00076", Decimal("4000.00"), "EUR", 2, may_25, "0009912346"),
    ]


def test_sample_record_counts_match_tk70(parsed: BgMaxFile) -> None:
    payments = [p for d in parsed.deposits for p in d.payments]
    assert sum(p.kind == "payment" for p in payments) == 8
    assert sum(p.kind == "deduction" for p in payments) == 1
    assert sum(len(p.extra_references) for p in payments) == 9
    assert len(parsed.deposits) == 3
    assert parsed.payment_count == 9


def test_every_sample_deposit_is_payments_minus_deductions(parsed: BgMaxFile) -> None:
    for deposit in parsed.deposits:
        signed = [p.amount if p.kind == "payment" else -p.amount for p in deposit.payments]
        assert sum(signed) == deposit.amount


def test_sample_first_payment_is_correct_ocr_with_payer_details(parsed: BgMaxFile) -> None:
    payment = parsed.deposits[0].payments[0]
    assert payment.kind == "payment"
    assert payment.line == FIRST_TK20
    assert payment.sender_bankgiro == "0003783511"
    assert payment.reference == "655969"
    assert payment.reference_code == "2"
    assert ocr_is_valid(payment.reference)
    assert payment.amount == Decimal("1000.00")
    assert payment.channel == "2"
    assert payment.bgc_serial == "000000000010"
    assert payment.has_image is False
    assert payment.deduction_code is None
    assert payment.name == "Kalles Plåt AB"
    assert payment.address == "Storgatan 2"
    assert payment.postcode == "12345"
    assert payment.city == "Storåker"
    assert payment.org_no == "005500001234"


def test_sample_deduction_is_a_tk21_of_500(parsed: BgMaxFile) -> None:
    deduction = parsed.deposits[0].payments[1]
    assert deduction.kind == "deduction"
    assert deduction.amount == Decimal("500.00")
    assert deduction.reference == "89853"
    assert deduction.deduction_code == "0"
    assert deduction.line == 8


def test_sample_payment_with_reference_code_3_carries_extra_references(
    parsed: BgMaxFile,
) -> None:
    payment = parsed.deposits[0].payments[2]
    assert payment.amount == Decimal("1400.00")
    assert payment.reference_code == "3"
    assert payment.reference == "657866 658765 657767"
    # The last TK22 is the one with TABs in its reference field (line 17).
    assert [r.reference for r in payment.extra_references] == [
        "657866",
        "658765",
        "657767",
        "657965",
    ]
    assert all(
        r == ExtraReference(r.reference, Decimal("0.00"), False, "2")
        for r in payment.extra_references
    )
    assert payment.info_texts == ("Betalning med extra refnr 657965",)


def test_sample_short_line_is_padded_and_read(parsed: BgMaxFile) -> None:
    # Line 55 is a 79-character TK25.
    assert parsed.deposits[2].payments[0].info_texts == ("Faktura801465",)


def test_sample_payment_without_reference_has_empty_reference(parsed: BgMaxFile) -> None:
    payment = parsed.deposits[1].payments[1]
    assert (payment.reference, payment.reference_code) == ("", "1")
    assert payment.channel == "3"
    assert payment.has_image is True


def test_sample_with_crlf_line_endings_parses_identically(sample: bytes, parsed: BgMaxFile) -> None:
    crlf = parse_bgmax(sample.replace(b"\n", b"\r\n"), filename="exempel.txt")
    assert crlf == parsed


def test_sample_without_trailing_empty_lines_parses_identically(
    sample: bytes, parsed: BgMaxFile
) -> None:
    assert parse_bgmax(sample.rstrip(b"\n"), filename="exempel.txt") == parsed


def test_parse_accepts_bytearray_and_memoryview(sample: bytes, parsed: BgMaxFile) -> None:
    assert parse_bgmax(bytearray(sample), filename="exempel.txt") == parsed
    assert parse_bgmax(memoryview(sample), filename="exempel.txt") == parsed


# -- corruption is refused at the right line --------------------------------------------------


def test_error_message_is_file_colon_line_colon_reason(sample: bytes) -> None:
    error = refused(sample[: sample.index(b"\n70")])
    assert (error.filename, error.line) == ("bad.txt", TK70_LINE)
    assert str(error) == f"bad.txt:{TK70_LINE}: {error.reason}"
    assert isinstance(error, ValueError)


def test_changed_tk20_amount_is_reported_at_its_deposits_tk15(sample: bytes) -> None:
    def change(lines: list[str]) -> None:
        line = lines[FIRST_TK20 - 1]
        assert line[37:55] == "000000000000100000"
        lines[FIRST_TK20 - 1] = replace_columns(line, 51, "2")

    error = refused(edit(sample, change))
    assert error.line == TK15_LINES["00074"]
    assert "amount" in error.reason


def test_changed_amount_in_last_deposit_is_reported_at_last_tk15(sample: bytes) -> None:
    def change(lines: list[str]) -> None:
        lines[60 - 1] = replace_columns(lines[60 - 1], 55, "1")

    assert refused(edit(sample, change)).line == TK15_LINES["00076"]


def test_letter_in_tk20_amount_is_reported_at_the_tk20(sample: bytes) -> None:
    def change(lines: list[str]) -> None:
        lines[FIRST_TK20 - 1] = replace_columns(lines[FIRST_TK20 - 1], 50, "O")

    error = refused(edit(sample, change))
    assert error.line == FIRST_TK20
    assert "amount" in error.reason


@pytest.mark.parametrize(
    ("column", "text", "field"),
    [
        (3, "00037835X1", "sender bankgiro"),
        (56, "9", "reference code"),
        (57, "7", "payment channel"),
        (60, " ", "BGC serial number"),
        (70, "X", "image flag"),
    ],
)
def test_bad_tk20_field_is_named_at_the_tk20(
    sample: bytes, column: int, text: str, field: str
) -> None:
    def change(lines: list[str]) -> None:
        lines[FIRST_TK20 - 1] = replace_columns(lines[FIRST_TK20 - 1], column, text)

    error = refused(edit(sample, change))
    assert error.line == FIRST_TK20
    assert field in error.reason


def test_superscript_digit_is_not_a_digit(sample: bytes) -> None:
    def change(lines: list[str]) -> None:
        lines[FIRST_TK20 - 1] = replace_columns(lines[FIRST_TK20 - 1], 40, "²")

    assert refused(edit(sample, change)).line == FIRST_TK20


def test_file_truncated_before_tk70_is_refused(sample: bytes) -> None:
    error = refused(sample[: sample.index(b"\n70") + 1])
    assert error.line == TK70_LINE
    assert "TK70" in error.reason


def test_file_truncated_inside_a_deposit_is_refused(sample: bytes) -> None:
    lines = sample.split(b"\n")[:40]
    error = refused(b"\n".join(lines) + b"\n")
    assert error.line == 41


def test_line_of_81_characters_is_refused_at_that_line(sample: bytes) -> None:
    def change(lines: list[str]) -> None:
        lines[5 - 1] += " "

    error = refused(edit(sample, change))
    assert error.line == 5
    assert "81 characters" in error.reason


def test_letter_in_deposit_date_is_refused_at_the_tk15(sample: bytes) -> None:
    def change(lines: list[str]) -> None:
        lines[TK15_LINES["00075"] - 1] = replace_columns(lines[TK15_LINES["00075"] - 1], 42, "O")

    error = refused(edit(sample, change))
    assert error.line == TK15_LINES["00075"]
    assert "payment date" in error.reason


def test_impossible_deposit_date_is_refused(sample: bytes) -> None:
    def change(lines: list[str]) -> None:
        lines[TK15_LINES["00074"] - 1] = replace_columns(
            lines[TK15_LINES["00074"] - 1], 38, "20040230"
        )

    error = refused(edit(sample, change))
    assert error.line == TK15_LINES["00074"]
    assert "not a valid date" in error.reason


def test_impossible_header_timestamp_is_refused(sample: bytes) -> None:
    def change(lines: list[str]) -> None:
        lines[0] = replace_columns(lines[0], 33, "25")  # hour 25

    assert refused(edit(sample, change)).line == 1


def test_first_record_must_be_tk01(sample: bytes) -> None:
    error = refused(sample[sample.index(b"\n") + 1 :])
    assert error.line == 1
    assert "TK01" in error.reason


def test_tk01_must_name_bgmax(sample: bytes) -> None:
    def change(lines: list[str]) -> None:
        lines[0] = replace_columns(lines[0], 3, "BGMIN")

    assert refused(edit(sample, change)).line == 1


def test_unsupported_version_is_refused(sample: bytes) -> None:
    def change(lines: list[str]) -> None:
        lines[0] = replace_columns(lines[0], 23, "02")

    assert "version" in refused(edit(sample, change)).reason


def test_empty_file_is_refused() -> None:
    assert refused(b"").line == 1
    assert refused(b"\n\n").line == 1


def test_tk20_outside_a_deposit_is_refused(sample: bytes) -> None:
    def change(lines: list[str]) -> None:
        del lines[2 - 1]  # the first TK05; its TK20 moves up to line 2

    error = refused(edit(sample, change))
    assert error.line == 2
    assert "outside a deposit" in error.reason


def test_missing_payment_record_is_caught_by_tk15_count(sample: bytes) -> None:
    # Drop the TK20 of 1 200.00 and its TK26-29 (lines 30-34); the deposit's TK15 moves up 5.
    def change(lines: list[str]) -> None:
        del lines[30 - 1 : 34]

    error = refused(edit(sample, change))
    assert error.line == TK15_LINES["00075"] - 5
    assert "4 payment records, found 3" in error.reason


def test_tk15_count_differing_from_payments_is_refused(sample: bytes) -> None:
    def change(lines: list[str]) -> None:
        lines[TK15_LINES["00074"] - 1] = replace_columns(
            lines[TK15_LINES["00074"] - 1], 72, "00000004"
        )

    error = refused(edit(sample, change))
    assert error.line == TK15_LINES["00074"]
    assert "4 payment records, found 3" in error.reason


def test_tk15_currency_differing_from_tk05_is_refused(sample: bytes) -> None:
    def change(lines: list[str]) -> None:
        lines[TK15_LINES["00076"] - 1] = replace_columns(lines[TK15_LINES["00076"] - 1], 69, "SEK")

    error = refused(edit(sample, change))
    assert error.line == TK15_LINES["00076"]
    assert "currency" in error.reason


@pytest.mark.parametrize("column", [3, 11, 19, 27])
def test_tk70_count_mismatch_is_refused(sample: bytes, column: int) -> None:
    def change(lines: list[str]) -> None:
        lines[TK70_LINE - 1] = replace_columns(lines[TK70_LINE - 1], column, "00000099")

    error = refused(edit(sample, change))
    assert error.line == TK70_LINE
    assert "TK70 says 99" in error.reason


def test_removed_extra_reference_is_caught_by_tk70(sample: bytes) -> None:
    def change(lines: list[str]) -> None:
        del lines[14 - 1]

    error = refused(edit(sample, change))
    assert error.line == TK70_LINE - 1
    assert "TK22/TK23" in error.reason


def test_record_after_tk70_is_refused(sample: bytes) -> None:
    def change(lines: list[str]) -> None:
        lines.insert(TK70_LINE, lines[TK70_LINE - 1])

    error = refused(edit(sample, change))
    assert error.line == TK70_LINE + 1
    assert "after TK70" in error.reason


def test_blank_line_inside_the_file_is_refused(sample: bytes) -> None:
    def change(lines: list[str]) -> None:
        lines.insert(10 - 1, "")

    assert refused(edit(sample, change)).line == 10


def test_extra_reference_without_payment_is_refused(sample: bytes) -> None:
    def change(lines: list[str]) -> None:
        lines.insert(2, lines[14 - 1])  # a TK22 right after the TK05, as line 3

    error = refused(edit(sample, change))
    assert error.line == 3
    assert "TK22" in error.reason


def test_second_name_record_for_one_payment_is_refused(sample: bytes) -> None:
    def change(lines: list[str]) -> None:
        lines.insert(4, lines[4 - 1])  # TK26 twice, the second on line 5

    assert refused(edit(sample, change)).line == 5


@pytest.mark.parametrize("byte", [b"\x00", b"\x1b", b"\x7f", b"\x85", b"\r"])
def test_control_characters_are_refused_with_their_line(sample: bytes, byte: bytes) -> None:
    def change(lines: list[str]) -> None:
        line = lines[7 - 1]
        lines[7 - 1] = line[:20] + byte.decode("latin-1") + line[21:]

    error = refused(edit(sample, change))
    assert error.line == 7
    assert "column 21" in error.reason


def test_unknown_record_types_are_ignored(sample: bytes, parsed: BgMaxFile) -> None:
    def change(lines: list[str]) -> None:
        lines.insert(5, "99" + "x" * 78)

    def summary(file: BgMaxFile) -> list[tuple[str, Decimal, list[str]]]:
        return [(d.serial, d.amount, [p.reference for p in d.payments]) for d in file.deposits]

    assert summary(parse_bgmax(edit(sample, change))) == summary(parsed)


def test_record_type_that_is_not_two_digits_is_refused(sample: bytes) -> None:
    def change(lines: list[str]) -> None:
        lines.insert(5, "X9" + " " * 78)

    assert refused(edit(sample, change)).line == 6


# -- writer ----------------------------------------------------------------------------------

FIXED_TIME = datetime(2024, 5, 2, 9, 15, 30, 123456, tzinfo=STOCKHOLM)


def assert_round_trip(deposits: list[DepositInput], *, test: bool = False) -> BgMaxFile:
    data = write_bgmax(deposits, timestamp=FIXED_TIME, test=test)
    assert all(len(line) == 80 for line in data.decode("latin-1").splitlines())
    parsed = parse_bgmax(data)
    assert parsed.timestamp == FIXED_TIME
    assert parsed.test is test
    assert len(parsed.deposits) == len(deposits)
    for written, read in zip(deposits, parsed.deposits, strict=True):
        assert read.currency == written.currency
        assert read.payment_date == written.payment_date
        assert int(read.serial) == int(written.serial)
        assert read.amount == sum((p[1] for p in written.payments), Decimal(0))
        got = [
            (p.reference, p.amount if p.kind == "payment" else -p.amount, p.name)
            for p in read.payments
        ]
        expected = [(p[0], p[1], p[2] if len(p) > 2 else "") for p in written.payments]
        assert got == expected
    return parsed


def test_writer_round_trips_a_single_ocr_payment() -> None:
    parsed = assert_round_trip(
        [DepositInput(date(2024, 5, 2), 1, [(ocr_make("12345"), Decimal("100.00"))])]
    )
    payment = parsed.deposits[0].payments[0]
    assert (payment.reference, payment.reference_code) == ("1234574", "2")


def test_writer_round_trips_mixed_references_deductions_and_names() -> None:
    payments: list[PaymentInput] = [
        ("1234574", Decimal("1500.50"), "Åsa Öberg"),
        ("Faktura 12, 13", Decimal("0.01")),
        ("", Decimal("99999.99"), "Ärlig Ådalen AB"),
        ("655969", Decimal("-250.25")),
    ]
    parsed = assert_round_trip(
        [
            DepositInput(date(2024, 1, 31), "00074", payments),
            DepositInput(date(2024, 2, 29), 99999, [("801266", Decimal("10"))], currency="EUR"),
            DepositInput(date(2024, 3, 1), 3, []),
        ],
        test=True,
    )
    codes = [p.reference_code for p in parsed.deposits[0].payments]
    assert codes == ["2", "4", "1", "2"]
    assert parsed.deposits[0].payments[3].kind == "deduction"


def test_writer_round_trips_an_empty_file() -> None:
    assert assert_round_trip([]).deposits == ()


def test_writer_round_trips_random_files() -> None:
    # A seeded stand-in for a property test (hypothesis is not installed).
    rng = random.Random(74)
    letters = "abcdefghijklmnopqrstuvwxyzÅÄÖåäöéü -,.0123456789"
    for _ in range(40):
        deposits = []
        for serial in range(rng.randint(0, 4)):
            payments: list[PaymentInput] = []
            total = Decimal(0)
            for _ in range(rng.randint(0, 30)):
                amount = Decimal(rng.randrange(1, 10**9)).scaleb(-2)
                # Deductions never exceed what has been paid so far: a deposit is not negative.
                if total and rng.random() < 0.1:
                    amount = -min(amount, total)
                total += amount
                kind = rng.randrange(3)
                if kind == 0:
                    reference = ocr_make(
                        str(rng.randrange(10**12)), length_digit=rng.random() < 0.5
                    )
                elif kind == 1:
                    reference = "".join(rng.choices(letters, k=rng.randint(1, 25))).strip()
                else:
                    reference = ""
                name = "".join(rng.choices(letters, k=rng.randint(0, 35))).strip()
                payments.append((reference, amount, name))
            payment_date = date(2000, 1, 1).fromordinal(rng.randint(730000, 740000))
            currency = rng.choice(["SEK", "EUR"])
            deposits.append(DepositInput(payment_date, serial + 1, payments, currency))
        assert_round_trip(deposits, test=rng.random() < 0.5)


def test_writer_output_parses_with_crlf_line_endings() -> None:
    deposits = [DepositInput(date(2024, 5, 2), 1, [("1234574", Decimal("1.00"))])]
    data = write_bgmax(deposits, timestamp=FIXED_TIME, newline="\r\n")
    assert b"\r\n" in data
    assert parse_bgmax(data) == parse_bgmax(write_bgmax(deposits, timestamp=FIXED_TIME))


@pytest.mark.parametrize(
    "payment",
    [
        ("1", Decimal("0.001")),  # fraction of an öre
        ("1" * 26, Decimal("1")),  # reference too long
        (" 1", Decimal("1")),  # would not survive the reader's stripping
        ("1", Decimal("1"), "Ŝ"),  # not Latin-1
        ("1", Decimal("1"), "a\tb"),  # control character
        ("1", Decimal("1"), "x" * 36),  # name too long
        ("1", Decimal("NaN")),
    ],
)
def test_writer_refuses_what_it_cannot_write(payment: PaymentInput) -> None:
    with pytest.raises(ValueError):
        write_bgmax([DepositInput(date(2024, 5, 2), 1, [payment])], timestamp=FIXED_TIME)


def test_writer_refuses_a_negative_deposit_total() -> None:
    with pytest.raises(ValueError):
        write_bgmax([DepositInput(date(2024, 5, 2), 1, [("1", Decimal("-1"))])])


def test_writer_refuses_naive_timestamps() -> None:
    with pytest.raises(ValueError):
        write_bgmax([], timestamp=datetime(2024, 5, 2, 9, 0))
