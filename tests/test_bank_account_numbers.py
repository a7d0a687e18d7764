"""Swedish bank account numbers (lib/bankaccount.py): Bankgirot's clearing series, lengths and
check digits, as a person types them."""

from __future__ import annotations

import pytest

from consonance.lib.bankaccount import BankAccountError, bank_account_check, mod10_ok, mod11_ok


@pytest.mark.parametrize(
    ("clearing", "number", "bank", "stored"),
    [
        ("5365", "01 234 52", "SEB", "0123452"),  # type 1, comment 1
        ("9029", "5735211", "Länsförsäkringar Bank", "5735211"),  # type 1, comment 2
        ("1234", "5612541", "Danske Bank", "5612541"),
        ("9590", "2000000", "Erik Penser Bank", "2000000"),
        ("6001", "801 230 659", "Handelsbanken", "801230659"),  # type 2, comment 2
        ("6001", "0801230659", "Handelsbanken", "801230659"),  # a leading zero too many
        ("3300", "801201-6286", "Nordea (personkonto)", "8012016286"),  # type 2, comment 1
        ("3300", "19801201-6286", "Nordea (personkonto)", "8012016286"),  # with the century
        ("9570", "2600000000", "Sparbanken Syd", "2600000000"),
        ("8327-9", "123 456 789-7", "Swedbank", "1234567897"),  # type 2, comment 3
        ("83279", "23 456 789-9", "Swedbank", "0234567899"),  # zero-filled to ten digits
    ],
)
def test_valid_numbers_are_accepted_and_normalised(clearing, number, bank, stored):
    account = bank_account_check(clearing, number)
    assert (account.bank, account.number, account.checked) == (bank, stored, True)


@pytest.mark.parametrize(
    ("clearing", "number", "code"),
    [
        ("", "0123452", "clearing_missing"),
        ("53 65x", "0123452", "clearing_digits"),
        ("536", "0123452", "clearing_length"),
        ("53650", "0123452", "clearing_length"),  # five digits only in Swedbank's 8xxx series
        ("0365", "0123452", "clearing_unknown"),
        ("5365", "", "number_missing"),
        ("5365", "０１２３４５２", "number_digits"),  # full-width digits are not digits here
        ("5365", "12345678", "number_length"),
        ("5365", "0123453", "check_digit"),
        ("9029", "5735214", "check_digit"),
        ("6001", "801230658", "check_digit"),
        ("3300", "8012016287", "check_digit"),
    ],
)
def test_invalid_numbers_are_refused_with_a_reason_and_never_the_number(clearing, number, code):
    with pytest.raises(BankAccountError) as refused:
        bank_account_check(clearing, number)
    assert refused.value.code == code
    assert number.replace(" ", "") not in str(refused.value) or not number


@pytest.mark.parametrize(
    ("clearing", "number"),
    [
        ("9999", "12345678"),  # a series the table does not know
        ("8327-3", "123 456 789-7"),  # Swedbank's fifth clearing digit does not agree
        ("8327", "1234567890"),  # Swedbank 8xxx: modulus 10 fails, as some real accounts do
        ("9960", "12345"),  # Plusgirot: the same
    ],
)
def test_numbers_no_rule_can_confirm_are_flagged_for_her_to_confirm(clearing, number):
    assert bank_account_check(clearing, number).checked is False


def test_the_check_digit_algorithms():
    assert mod10_ok("8012016286") and not mod10_ok("8012016287")
    assert mod11_ok("3650123452") and not mod11_ok("3650123453")
    assert bank_account_check("8327-9", "1234567897").display == "8327-9, 1234567897"
