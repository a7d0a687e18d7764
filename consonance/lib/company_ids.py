"""Swedish organisation numbers and VAT numbers, checked with their check digits.

python-stdnum (`stdnum.se.orgnr`, `stdnum.se.vat`) does the checking: the organisation number's
last digit is a Luhn check digit over the first nine; a Swedish VAT number is `SE`, the ten digits
of the organisation number (or personal identity number, for a sole trader) and `01`. A pattern
alone lets a typo through to every invoice and every SIE file.

    >>> organisation_number_problem("556677-8899") is None
    True
    >>> organisation_number_problem("556677-8898")
    'the check digit is wrong'
"""

from __future__ import annotations

from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.se import orgnr, vat

_REASONS: dict[type[StdnumError], str] = {
    InvalidChecksum: "the check digit is wrong",
    InvalidLength: "it does not have ten digits",
    InvalidFormat: "it is not written as digits",
    InvalidComponent: "a part of it cannot be",
}


def _reason(error: StdnumError) -> str:
    for kind, reason in _REASONS.items():
        if isinstance(error, kind):
            return reason
    return "it is not valid"


def organisation_number_problem(value: str) -> str | None:
    """Why `value` is no organisation number (NNNNNN-NNNN or ten digits), or None when it is."""
    try:
        orgnr.validate(value)
    except StdnumError as error:
        return _reason(error)
    return None


def vat_number_problem(value: str, organisation_number: str = "") -> str | None:
    """Why `value` is no Swedish VAT number (SE + ten digits + 01), or None when it is.

    With an organisation number given, the VAT number must be the one made from it."""
    if not value.replace(" ", "").upper().startswith("SE"):
        return "it does not begin with SE"
    try:
        compact = vat.validate(value)  # without the SE
    except StdnumError as error:
        if isinstance(error, InvalidChecksum):
            return "the check digit of its organisation number is wrong"
        return "it is not SE, ten digits and 01"
    if organisation_number and compact[:10] != orgnr.compact(organisation_number):
        return "it is not made from the organisation number (SE + the ten digits + 01)"
    return None


def seller_ids_problem(organisation_number: str, vat_number: str) -> str | None:
    """What is wrong with the practice's CONSONANCE_ORGANISATION_NUMBER and CONSONANCE_VAT_NUMBER
    (empty ones are not checked), as one sentence for the configuration error, or None."""
    if organisation_number:
        problem = organisation_number_problem(organisation_number)
        if problem:
            return f"CONSONANCE_ORGANISATION_NUMBER {organisation_number!r}: {problem}."
    if vat_number:
        problem = vat_number_problem(vat_number, organisation_number)
        if problem:
            return f"CONSONANCE_VAT_NUMBER {vat_number!r}: {problem}."
    return None
