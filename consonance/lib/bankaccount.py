"""Swedish bank account numbers: clearing number ranges and check digits, as Bankgirot's
"Bankernas kontonummer" describes them.

No package on the index keeps these rules up to date (`bankkonto` 1.0.1 lacks series banks have
opened since, such as Northmill Bank, and refuses a Plusgirot or Handelsbanken number typed
without its leading zeros), so the table is here, one line per series.

An account number is a clearing number (four digits; Swedbank's 8xxx series has a fifth, its own
check digit) and an account number whose form depends on the series:

- Type 1: seven digits. The check digit is modulus 11 over the last three digits of the clearing
  number and the account number (comment 1), or over all four and the account number (comment 2).
- Type 2: the account number alone. Comment 1: ten digits, modulus 10. Comment 2 (Handelsbanken):
  nine digits, modulus 11. Comment 3 (Swedbank 8xxx, Nordea Plusgirot): ten digits, modulus 10 as
  a rule, with exceptions Bankgirot does not list.

`bank_account_check()` answers with the normalised number, the bank, and whether the number could
be checked. A number that fails a check digit the rules leave no doubt about is refused; one that
cannot be checked (a series not in the table, a type 2 comment 3 number that fails modulus 10, a
Swedbank clearing number whose fifth digit disagrees) is flagged so that the person can confirm it
rather than be stopped by a rule that may not apply to her account.
"""

from __future__ import annotations

from dataclasses import dataclass

# (first, last, bank, type, comment). Source: Bankgirot, "Bankernas kontonummer".
SERIES: tuple[tuple[int, int, str, int, int], ...] = (
    (1100, 1199, "Nordea", 1, 1),
    (1200, 1399, "Danske Bank", 1, 1),
    (1400, 2099, "Nordea", 1, 1),
    (2300, 2399, "Ålandsbanken", 1, 2),
    (2400, 2499, "Danske Bank", 1, 1),
    (3000, 3299, "Nordea", 1, 1),
    (3300, 3300, "Nordea (personkonto)", 2, 1),
    (3301, 3399, "Nordea", 1, 1),
    (3400, 3409, "Länsförsäkringar Bank", 1, 1),
    (3410, 3781, "Nordea", 1, 1),
    (3782, 3782, "Nordea (personkonto)", 2, 1),
    (3783, 3999, "Nordea", 1, 1),
    (4000, 4999, "Nordea", 1, 2),
    (5000, 5999, "SEB", 1, 1),
    (6000, 6999, "Handelsbanken", 2, 2),
    (7000, 7999, "Swedbank", 1, 1),
    (8000, 8999, "Swedbank", 2, 3),
    (9020, 9029, "Länsförsäkringar Bank", 1, 2),
    (9040, 9049, "Citibank", 1, 2),
    (9060, 9069, "Länsförsäkringar Bank", 1, 1),
    (9100, 9109, "Nordnet Bank", 1, 2),
    (9120, 9124, "SEB", 1, 1),
    (9130, 9149, "SEB", 1, 1),
    (9150, 9169, "Skandiabanken", 1, 2),
    (9170, 9179, "Ikano Bank", 1, 1),
    (9180, 9189, "Danske Bank", 2, 1),
    (9190, 9199, "DNB Bank", 1, 2),
    (9230, 9239, "Marginalen Bank", 1, 1),
    (9250, 9259, "SBAB", 1, 1),
    (9260, 9269, "DNB Bank", 1, 2),
    (9270, 9279, "ICA Banken", 1, 1),
    (9280, 9289, "Resurs Bank", 1, 1),
    (9300, 9349, "Swedbank", 2, 1),
    (9390, 9399, "Landshypotek", 1, 2),
    (9400, 9449, "Forex Bank", 1, 1),
    (9460, 9469, "Santander Consumer Bank", 1, 1),
    (9470, 9479, "BNP Paribas", 1, 2),
    (9500, 9549, "Nordea (Plusgirot)", 2, 3),
    (9550, 9569, "Avanza Bank", 1, 2),
    (9570, 9579, "Sparbanken Syd", 2, 1),
    (9590, 9599, "Erik Penser Bank", 1, 2),
    (9630, 9639, "Lån & Spar Bank", 1, 1),
    (9640, 9649, "Nordax Bank", 1, 2),
    (9650, 9659, "MedMera Bank", 1, 2),
    (9660, 9669, "Svea Bank", 1, 2),
    (9670, 9679, "JAK Medlemsbank", 1, 2),
    (9680, 9689, "Bluestep Bank", 1, 1),
    (9700, 9709, "Ekobanken", 1, 2),
    (9750, 9759, "Northmill Bank", 1, 2),
    (9780, 9789, "Klarna Bank", 1, 2),
    (9880, 9889, "Riksgälden", 1, 2),
    (9890, 9899, "Riksgälden", 2, 1),
    (9960, 9969, "Nordea (Plusgirot)", 2, 3),
)

# The longest account number accepted for a series the table does not know (Bankgirot's files
# carry at most 12 digits after the clearing number).
UNKNOWN_MAX_DIGITS = 12


class BankAccountError(ValueError):
    """The number cannot be a Swedish bank account. `code` says why (see MESSAGES in forms)."""

    def __init__(self, code: str, **facts: object) -> None:
        super().__init__(code)  # never the number itself: exceptions end up in logs
        self.code = code
        self.facts = facts


@dataclass(frozen=True)
class BankAccount:
    clearing: str  # four digits, five for Swedbank's 8xxx-x
    number: str  # the account number at its full length (leading zeros added)
    bank: str  # "" for a series the table does not know
    checked: bool  # False: the check digit could not confirm it (she confirmed it herself)

    @property
    def display(self) -> str:
        """As her bank's form asks for it: "8327-9, 1234567890"."""
        clearing = self.clearing
        if len(clearing) == 5:
            clearing = f"{clearing[:4]}-{clearing[4]}"
        return f"{clearing}, {self.number}"


def digits_of(text: str) -> str:
    """The ASCII digits of what a person typed; spaces, dashes and dots go. Any other character
    makes the whole input invalid (returns "")."""
    kept = "".join(c for c in text if c not in " -.\u00a0\t")
    return kept if kept.isascii() and kept.isdigit() else ""


def mod10_ok(digits: str) -> bool:
    """Luhn: weights 1, 2, 1, 2 … from the right, two-digit products as their digit sum."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def mod11_ok(digits: str) -> bool:
    """Weights 1, 2 … 10 from the right, starting again at 1 at the eleventh digit."""
    return sum(int(c) * (i % 10 + 1) for i, c in enumerate(reversed(digits))) % 11 == 0


def series_of(clearing: str) -> tuple[int, int, str, int, int] | None:
    value = int(clearing[:4])
    return next((s for s in SERIES if s[0] <= value <= s[1]), None)


def _clearing(text: str) -> str:
    clearing = digits_of(text)
    if not clearing:
        raise BankAccountError("clearing_missing" if not text.strip() else "clearing_digits")
    if len(clearing) == 5 and clearing[0] == "8":
        return clearing
    if len(clearing) != 4:
        raise BankAccountError("clearing_length")
    if clearing[0] == "0":
        raise BankAccountError("clearing_unknown")
    return clearing


def _number(text: str, length: int, bank: str) -> str:
    number = digits_of(text)
    if not number:
        raise BankAccountError("number_missing" if not text.strip() else "number_digits")
    significant = number.lstrip("0")
    if not significant:
        raise BankAccountError("number_digits")
    if len(significant) > length:
        raise BankAccountError("number_length", bank=bank, length=length)
    return significant.rjust(length, "0")


def bank_account_check(clearing_text: str, number_text: str) -> BankAccount:
    """The account, normalised, or BankAccountError. See the module's docstring for `checked`."""
    clearing = _clearing(clearing_text)
    series = series_of(clearing)
    if series is None:
        _number(number_text, UNKNOWN_MAX_DIGITS, "")  # digits, and not too many
        return BankAccount(clearing, digits_of(number_text), "", checked=False)
    _first, _last, bank, kind, comment = series
    if clearing[0] == "8" and len(clearing) == 4:
        clearing_ok = True  # the fifth digit left out: Swedbank's own payments do without it
    else:
        clearing_ok = len(clearing) == 4 or mod10_ok(clearing)
    if kind == 2 and comment == 1 and bank.startswith("Nordea (personkonto)"):
        number_text = _personkonto(number_text)
    length = 7 if kind == 1 else (9 if comment == 2 else 10)
    number = _number(number_text, length, bank)
    if kind == 1:
        significant = clearing[1:4] if comment == 1 else clearing[:4]
        if not mod11_ok(significant + number):
            raise BankAccountError("check_digit", bank=bank)
        return BankAccount(clearing, number, bank, checked=clearing_ok)
    if comment == 2:
        if not mod11_ok(number):
            raise BankAccountError("check_digit", bank=bank)
        return BankAccount(clearing, number, bank, checked=True)
    if comment == 1:
        if not mod10_ok(number):
            raise BankAccountError("check_digit", bank=bank)
        return BankAccount(clearing, number, bank, checked=clearing_ok)
    return BankAccount(clearing, number, bank, checked=clearing_ok and mod10_ok(number))


def _personkonto(text: str) -> str:
    """A Nordea personkonto is the personal identity number: twelve digits lose the century."""
    digits = digits_of(text)
    if len(digits) == 12 and digits[:2] in {"18", "19", "20"}:
        return digits[2:]
    return text
