"""SIE files as programs write them: the type is read from the content (#SIETYP; balances or
not), never from the name; every type 1 to 4 from more than twenty programs is read; a file
with no balances is an import file whatever its name, with a warning."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command

from consonance.bookkeeping.sie_reader import read_sie
from tests.factories import sie_verify

PROGRAMS = Path(__file__).parent / "fixtures" / "sie-programs"
# file -> (type read from its content, program named in #PROGRAM)
EXPECTED = {
    "BL0001_typ1.SE": ("1", "BL Administration"),
    "BL0001_typ2.SE": ("2", "BL Administration"),
    "BL0001_typ3.SE": ("3", "BL Administration"),
    "BL0001_typ4I.SI": ("4I", "BL Administration"),
    "Exempelbolaget_SIE_110322_B_33.si": ("4I", "REAL09"),
    "FAKT.SI": ("4I", "Visma Fakturering"),
    "LON Lönekörning.SI": ("4I", "Kontek Lön"),
    "Lön.si": ("4I", "Visma Lön 100"),
    "MAMUT_SIE1_EXPORT.SE": ("1", "Mamut Enterprise Byrå"),
    "MAMUT_SIE4_EXPORT.SE": ("4E", "Mamut Enterprise"),
    "Norstedts Bokslut SIE 1.se": ("1", "Norstedts Bokslut"),
    "Norstedts Bokslut SIE 4I.si": ("4I", "Norstedts Bokslut"),
    "Norstedts Revision SIE 1.SE": ("1", '"Norstedts Revision"'),  # its quotes, escaped
    "SIE-fil från Visma Eget Aktiebolag 2010.se": ("1", "Visma Eget Aktiebolag"),
    "SIE-fil från Visma Enskild Firma 2010.se": ("1", "Visma Enskild Firma"),
    "SIE4 Visma Anläggningsregister.si": ("4I", "Visma Anläggningsregister"),
    "SIE4_Exempelfil_med_underdim.SE": ("4E", "Visma Administration 2000"),
    "Sie 1+2.se": ("2", "SmallOffice"),
    "Sie1.se": ("1", "Visma Compact"),
    "Sie2.se": ("2", "SoftOne Business Redovisning"),
    "Sie3.se": ("3", "SoftOne Business Redovisning"),
    "Sie4.se": ("4E", "SoftOne Business Redovisning"),
    "Test1.SE": ("1", "BRILJANT EKONOMISYSTEM"),
    "Test2.SE": ("2", "BRILJANT EKONOMISYSTEM"),
    "XE_SIE_1_20151125094750.SE": ("1", "SoftOne XE"),
    "live2011.se": ("4E", "Visma Avendo eEkonomi"),
    "magenta_bokföring_SIE1.se": ("1", "Magenta Bokföring"),
    "magenta_bokföring_SIE2.se": ("2", "Magenta Bokföring"),
    "magenta_bokföring_SIE3.se": ("3", "Magenta Bokföring"),
    "magenta_bokföring_SIE4I.se": ("4I", "Magenta Bokföring"),
    "typ1.se": ("1", "Edison Ekonomi Byrå"),
    "typ4si.si": ("4I", "Edison Ekonomi Byrå"),
}


def test_every_program_file_is_listed():
    on_disk = {p.name for p in PROGRAMS.iterdir() if p.suffix.lower() in (".se", ".si")}
    assert on_disk == set(EXPECTED) | {"XE_SIE_4_20151125095119.SE"}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_type_from_every_program_is_read_as_valid(name, capsys):
    code, result = sie_verify(PROGRAMS / name, capsys)
    kind, program = EXPECTED[name]
    assert code == 0, result["errors"]
    assert result["valid"] is True and result["type"] == kind
    assert result["program"].startswith(program)
    if kind in ("4E", "4I"):
        assert result["vouchers"] > 0 and result["transactions"] >= result["vouchers"]
    else:
        assert result["vouchers"] == 0 and result["accounts"] > 0


def test_the_checksums_of_three_programs_match(capsys):
    for name in ("Norstedts Bokslut SIE 1.se", "Norstedts Bokslut SIE 4I.si", "Sie1.se"):
        _code, result = sie_verify(PROGRAMS / name, capsys)
        assert result["ksumma"] == "ok", name


def test_an_import_file_named_se_is_read_with_a_warning_not_an_error(capsys):
    code, result = sie_verify(PROGRAMS / "magenta_bokföring_SIE4I.se", capsys)
    assert code == 0 and result["type"] == "4I" and result["vouchers"] == 19
    warnings = [w["message"] for w in result["warnings"]]
    assert (
        "the file has no balances (#IB, #UB, #RES): read as an import file (type 4I), "
        "though its name ends in .se" in warnings
    )
    # Magenta's sample organisation number fails its check digit: said, not refused.
    assert "#ORGNR 112233-4567 is no organisation number: the check digit is wrong" in warnings


def test_the_command_line_says_warning_and_valid_for_an_import_file_named_se(capsys):
    path = PROGRAMS / "magenta_bokföring_SIE4I.se"
    call_command("ledger", "verify", str(path))
    captured = capsys.readouterr()
    assert "valid SIE 4I from Magenta Bokföring 2011:1: 19 vouchers" in captured.out
    assert f"{path}:1: warning: the file has no balances" in captured.err


def test_the_name_never_decides_the_type():
    data = (PROGRAMS / "magenta_bokföring_SIE4I.se").read_bytes()
    for name in ("x.se", "x.si", "x.SE", "x.txt", "x", ""):
        result = read_sie(data, name)
        assert result.valid and result.type == "4I", name
    balances = (PROGRAMS / "MAMUT_SIE4_EXPORT.SE").read_bytes()
    for name in ("x.se", "x.si", "x"):
        assert read_sie(balances, name).type == "4E", name
    renamed = read_sie(balances, "export.si")
    assert any("heter .si men har saldon" in w.message for w in renamed.warnings)


def test_a_voucher_that_does_not_balance_is_refused_whoever_wrote_it(capsys):
    code, result = sie_verify(PROGRAMS / "XE_SIE_4_20151125095119.SE", capsys)
    assert code == 1 and result["type"] == "4E"
    assert [e["line"] for e in result["errors"]] == [1356]
    assert "voucher 1 1 does not balance" in result["errors"][0]["message"]


def test_a_balance_file_without_balances_is_an_error():
    data = (
        b'#FLAGGA 0\n#PROGRAM "X" 1\n#FORMAT PC8\n#GEN 20260101\n#SIETYP 2\n#FNAMN "F"\n'
        b'#RAR 0 20260101 20261231\n#KONTO 1930 "Bank"\n'
    )
    result = read_sie(data, "x.se")
    assert not result.valid and result.type == "2"
    assert {e.message for e in result.errors} == {
        "obligatorisk post #PSALDO saknas",
        "en fil av typ 2 utan saldon (#IB, #UB, #RES)",
    }
    unknown = read_sie(data.replace(b"#SIETYP 2", b"#SIETYP 5"), "x.se")
    assert any("typ 1, 2, 3 eller 4" in e.message for e in unknown.errors)
