"""Organisation and VAT numbers are checked by their check digits (python-stdnum), not by a
pattern only: at start-up (settings), by the system check consonance.E023, and in SIE files."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core import checks

from consonance.bookkeeping.sie_reader import read_sie
from consonance.lib.company_ids import organisation_number_problem, vat_number_problem
from tests.conftest import REPO


def test_the_check_digit_decides_not_the_pattern():
    for good in ("556677-8899", "5566778899", "559999-0008", "212000-0142"):
        assert organisation_number_problem(good) is None, good
    assert organisation_number_problem("556677-8898") == "the check digit is wrong"
    assert organisation_number_problem("112233-4567") == "the check digit is wrong"
    assert organisation_number_problem("55667788") == "it does not have ten digits"
    assert organisation_number_problem("55667788x9") == "it is not written as digits"


def test_a_vat_number_is_se_the_organisation_number_and_01():
    assert vat_number_problem("SE556677889901") is None
    assert vat_number_problem("se 5566778899 01", "556677-8899") is None
    assert vat_number_problem("556677889901") == "it does not begin with SE"
    assert vat_number_problem("SE556677889801") == (
        "the check digit of its organisation number is wrong"
    )
    assert vat_number_problem("SE556677889902") == "it is not SE, ten digits and 01"
    assert vat_number_problem("SE556677889901", "559999-0008") == (
        "it is not made from the organisation number (SE + the ten digits + 01)"
    )


def _start(**env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "consonance", "check"],
        capture_output=True,
        text=True,
        env={"PATH": os.environ.get("PATH", "/usr/bin"), "CONSONANCE_DEBUG": "1", **env},
        cwd=REPO,
        timeout=120,
        check=False,
    )


def test_a_typo_in_the_organisation_number_stops_start_up():
    typo = _start(CONSONANCE_ORGANISATION_NUMBER="556677-8898")
    assert typo.returncode != 0
    assert "CONSONANCE_ORGANISATION_NUMBER '556677-8898': the check digit is wrong." in typo.stderr
    other = _start(
        CONSONANCE_ORGANISATION_NUMBER="556677-8899", CONSONANCE_VAT_NUMBER="SE559999000801"
    )
    assert other.returncode != 0
    assert "CONSONANCE_VAT_NUMBER 'SE559999000801': it is not made from" in other.stderr
    good = _start(
        CONSONANCE_ORGANISATION_NUMBER="556677-8899", CONSONANCE_VAT_NUMBER="SE556677889901"
    )
    assert good.returncode == 0, good.stderr


@pytest.mark.django_db
def test_the_system_check_names_a_wrong_number_by_id(settings):
    settings.SELLER_ORGANISATION_NUMBER = "556677-8898"
    found = checks.run_checks(tags=["consonance"])
    assert [m.msg for m in found if m.id == "consonance.E023"] == [
        "CONSONANCE_ORGANISATION_NUMBER '556677-8898': the check digit is wrong."
    ]
    settings.SELLER_ORGANISATION_NUMBER = "556677-8899"
    settings.SELLER_VAT_NUMBER = "SE556677889901"
    assert not [m for m in checks.run_checks(tags=["consonance"]) if m.id == "consonance.E023"]


def test_a_sie_file_with_a_wrong_organisation_number_is_read_with_a_warning():
    data = (
        b'#FLAGGA 0\n#PROGRAM "X" 1\n#FORMAT PC8\n#GEN 20260101\n#SIETYP 4\n#FNAMN "F"\n'
        b'#ORGNR 556677-8898\n#VER A 1 20260105 "x"\n{\n#TRANS 1930 {} 10\n#TRANS 3001 {} -10\n}\n'
    )
    result = read_sie(data, "x.si")
    assert result.valid
    assert [w.message for w in result.warnings] == [
        "#ORGNR 556677-8898 är inget organisationsnummer: kontrollsiffran stämmer inte"
    ]
    fixed = read_sie(data.replace(b"556677-8898", b"556677-8899"), "x.si")
    assert fixed.valid and fixed.warnings == []
