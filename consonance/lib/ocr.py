"""Bankgiro OCR references: Luhn (mod 10) check digit with an optional length digit.

An OCR reference is 2 to 25 digits. The last digit is a standard Luhn check digit computed over
everything before it. With "length control" (the agreement Bankgirot calls "OCR-kontroll med
längdsiffra"), the second-to-last digit is the total length of the reference, both control digits
included, modulo 10. The length digit is part of what the check digit covers.

    >>> ocr_make("12345", length_digit=False)
    '123455'
    >>> ocr_make("12345")
    '1234574'
"""

from __future__ import annotations

MIN_LENGTH = 2
MAX_LENGTH = 25

# Luhn: every second digit, counting from the rightmost digit of the *base*, is doubled and the
# digits of the product are summed. _DOUBLED[d] is that digit sum for d.
_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)


class OcrError(ValueError):
    """The input cannot be turned into an OCR reference."""


def _is_digits(value: str) -> bool:
    # str.isdigit() alone would accept "²" or Arabic-Indic digits.
    return value.isascii() and value.isdigit()


def luhn_check_digit(base: str) -> str:
    """Check digit that makes ``base + digit`` pass the Luhn test. ``base`` must be digits."""
    total = 0
    for position, char in enumerate(reversed(base)):
        digit = ord(char) - 48
        total += _DOUBLED[digit] if position % 2 == 0 else digit
    return str(-total % 10)


def _luhn_is_valid(digits: str) -> bool:
    return luhn_check_digit(digits[:-1]) == digits[-1]


def ocr_make(base: str, *, length_digit: bool = True) -> str:
    """Append the (optional) length digit and the check digit to ``base``.

    Raises OcrError when ``base`` is not all ASCII digits or the result would not be 2..25 long.
    """
    if not isinstance(base, str) or (base and not _is_digits(base)):
        raise OcrError(f"OCR base must be a string of digits, got {base!r}")
    total_length = len(base) + (2 if length_digit else 1)
    if not MIN_LENGTH <= total_length <= MAX_LENGTH:
        raise OcrError(
            f"OCR reference would be {total_length} digits; must be {MIN_LENGTH}..{MAX_LENGTH}"
        )
    if length_digit:
        base += str(total_length % 10)
    return base + luhn_check_digit(base)


def ocr_is_valid(ref: str, *, length_digit: bool = True) -> bool:
    """True if ``ref`` is a well-formed OCR reference (digits only, no surrounding spaces)."""
    if not isinstance(ref, str) or not _is_digits(ref):
        return False
    if not MIN_LENGTH <= len(ref) <= MAX_LENGTH:
        return False
    if length_digit and ref[-2] != str(len(ref) % 10):
        return False
    return _luhn_is_valid(ref)
