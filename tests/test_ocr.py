"""Bankgiro OCR references: Luhn check digit and optional length digit (no database)."""

from __future__ import annotations

import random

import pytest

from consonance.lib.ocr import MAX_LENGTH, OcrError, luhn_check_digit, ocr_is_valid, ocr_make


def test_make_without_length_digit_appends_luhn_check_digit() -> None:
    assert ocr_make("12345", length_digit=False) == "123455"


def test_make_with_length_digit_appends_length_then_check_digit() -> None:
    assert ocr_make("12345") == "1234574"


def test_length_digit_is_total_length_modulo_ten() -> None:
    reference = ocr_make("1" * 10)  # 12 digits in all
    assert len(reference) == 12
    assert reference[-2] == "2"
    assert ocr_is_valid(reference)


@pytest.mark.parametrize("reference", ["0072019122420063", "655969"])
def test_known_good_references_are_valid_as_luhn(reference: str) -> None:
    assert ocr_is_valid(reference, length_digit=False)


@pytest.mark.parametrize("reference", ["0072019122420063", "655969", "1234574"])
def test_known_good_references_with_length_digit_are_valid(reference: str) -> None:
    assert ocr_is_valid(reference, length_digit=True)


@pytest.mark.parametrize("reference", ["655968", "1234575"])
def test_wrong_check_digit_is_invalid(reference: str) -> None:
    assert not ocr_is_valid(reference)
    assert not ocr_is_valid(reference, length_digit=False)


def test_wrong_length_digit_is_invalid_even_with_correct_luhn() -> None:
    base = "123458"  # claims 8 digits, but the reference will have 7
    reference = base + luhn_check_digit(base)
    assert ocr_is_valid(reference, length_digit=False)
    assert not ocr_is_valid(reference, length_digit=True)


@pytest.mark.parametrize(
    "reference",
    [
        "",
        "5",
        "12345 5",
        " 123455",
        "123455\n",
        "12a455",
        "\uff11\uff12\uff13\uff14\uff15\uff15",  # fullwidth digits
        "²2",
        "1" * 26,
    ],
)
def test_malformed_references_are_invalid(reference: str) -> None:
    assert not ocr_is_valid(reference)
    assert not ocr_is_valid(reference, length_digit=False)


def test_non_string_is_invalid() -> None:
    assert not ocr_is_valid(123455, length_digit=False)  # type: ignore[arg-type]


@pytest.mark.parametrize("base", ["12a", "-1", " 12", "١٢٣", "1.5"])
def test_make_refuses_non_digit_base(base: str) -> None:
    with pytest.raises(OcrError):
        ocr_make(base)


def test_make_refuses_references_longer_than_25_digits() -> None:
    assert len(ocr_make("1" * (MAX_LENGTH - 2))) == MAX_LENGTH
    with pytest.raises(OcrError):
        ocr_make("1" * (MAX_LENGTH - 1))
    with pytest.raises(OcrError):
        ocr_make("1" * MAX_LENGTH, length_digit=False)


def test_make_refuses_references_shorter_than_2_digits() -> None:
    with pytest.raises(OcrError):
        ocr_make("", length_digit=False)
    assert ocr_make("1", length_digit=False) == "18"


def test_ocr_error_is_a_value_error() -> None:
    assert issubclass(OcrError, ValueError)


def test_every_made_reference_is_valid_and_every_single_digit_change_is_caught() -> None:
    rng = random.Random(20040525)
    for _ in range(300):
        length_digit = rng.random() < 0.5
        base = str(rng.randrange(10 ** rng.randint(1, 20))).zfill(rng.randint(1, 5))
        base = base[: MAX_LENGTH - 2]
        reference = ocr_make(base, length_digit=length_digit)
        assert reference.startswith(base)
        assert ocr_is_valid(reference, length_digit=length_digit)
        # Luhn detects every single-digit substitution.
        position = rng.randrange(len(reference))
        wrong = str((int(reference[position]) + rng.randint(1, 9)) % 10)
        mutated = reference[:position] + wrong + reference[position + 1 :]
        assert not ocr_is_valid(mutated, length_digit=length_digit)
