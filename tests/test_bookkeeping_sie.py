"""SIE 4: the export round-trips through the reader with a matching #KSUMMA; the verifier takes
every real file in the fixtures and refuses what matters, as `file:line: message`."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command

from consonance.audit.services import SYSTEM
from consonance.bookkeeping.sie_reader import read_sie
from consonance.payments.ledger import order_record_refund
from tests.factories import paid_order, sie_verify

FIXTURES = Path("/work/shared/fixtures/sie")
if not FIXTURES.is_dir():
    FIXTURES = Path(__file__).parent / "fixtures" / "sie"
FILES = sorted(p for p in FIXTURES.iterdir() if p.suffix.lower() in (".se", ".si"))

AT = dt.datetime(2026, 5, 4, 10, tzinfo=dt.UTC)


@pytest.fixture
def seller(settings):
    settings.SELLER_ORGANISATION_NUMBER = "556677-8899"
    settings.SELLER_NAME = 'Consonance "Communication" Å'


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_every_real_file_verifies_as_valid(path, capsys):
    code, result = sie_verify(path, capsys)
    assert code == 0, result["errors"]
    assert result["valid"] is True and result["errors"] == []
    assert result["vouchers"] > 0 and result["transactions"] >= result["vouchers"]
    # The type comes from the content: Fortnox's `.si` carries balances, so it is an export file.
    assert result["type"] == "4E"
    assert set(result) == {
        "valid",
        "type",
        "program",
        "vouchers",
        "transactions",
        "accounts",
        "ksumma",
        "errors",
        "warnings",
    }


def test_the_norstedts_checksum_is_checked_and_the_quirks_are_warnings(capsys):
    _code, norstedts = sie_verify(FIXTURES / "Bokslut_Norstedts_SIE_4E.se", capsys)
    assert norstedts["ksumma"] == "ok" and norstedts["vouchers"] == 177
    _code, avendo = sie_verify(FIXTURES / "transaktioner_ovnbolag.se", capsys)
    assert avendo["ksumma"] == "absent" and avendo["vouchers"] == 163
    assert any("hyphen" in w["message"] for w in avendo["warnings"])
    _code, bl = sie_verify(FIXTURES / "BL0001_typ4.SE", capsys)
    assert any("comes after" in w["message"] for w in bl["warnings"])


def test_one_changed_amount_fails_the_checksum_and_the_balance(tmp_path, capsys):
    data = (FIXTURES / "Bokslut_Norstedts_SIE_4E.se").read_bytes()
    changed = data.replace(b"2941 {}      17240", b"2941 {}      17241", 1)
    assert changed != data
    path = tmp_path / "changed.se"
    path.write_bytes(changed)
    code, result = sie_verify(path, capsys)
    assert code == 1 and result["valid"] is False and result["ksumma"] == "mismatch"
    messages = [e["message"] for e in result["errors"]]
    assert any("KSUMMA" in m for m in messages)
    assert any("does not balance" in m for m in messages)


def test_errors_are_reported_as_file_line_message(tmp_path, capsys):
    path = tmp_path / "bad.se"
    path.write_bytes(
        b'#FLAGGA 0\n#PROGRAM "X" 1\n#FORMAT PC8\n#GEN 20261301\n#SIETYP 4\n#FNAMN "F"\n'
        b'#RAR 0 20260101 20261231\n#KONTO 1930 "Bank"\n#IB 0 1930 0.00\n#UB 0 1930 1,00\n'
        b'#VER A 1 20260105 "x"\n{\n#TRANS 1930 {} 100.00\n#TRANS 3001 {} -99.00\n}\n'
    )
    with pytest.raises(SystemExit) as exit_:
        call_command("ledger", "verify", str(path))
    assert exit_.value.code == 1
    err = capsys.readouterr().err
    assert f"{path}:4: #GEN: unreadable date '20261301'" in err
    assert f"{path}:10: #UB: unreadable amount '1,00'" in err
    assert f"{path}:11: voucher A 1 does not balance" in err
    # #IB and #UB make it an export file (4E); its missing #RES is a warning (Fortnox omits it).
    assert f"{path}:1: warning: the records #RES are missing: the balances are incomplete" in err


def test_utf8_under_pc8_is_read_with_a_warning():
    text = (
        '#FLAGGA 0\n#PROGRAM "Moln" 1\n#FORMAT PC8\n#GEN 20260101\n#SIETYP 4\n'
        '#FNAMN "Företaget"\n#ORGNR 5566778899\n#VER "" "" 20260105 "Öl"\n{\n'
        "#TRANS 1930 {} 10\n#TRANS 3001 {} -10\n}\n"
    ).encode()
    result = read_sie(text, "moln.si")
    assert result.valid and result.company == "Företaget" and result.vouchers[0].text == "Öl"
    assert any("UTF-8" in w.message for w in result.warnings)


@pytest.mark.django_db
def test_the_export_round_trips_and_verifies_with_a_matching_checksum(seller, tmp_path, capsys):
    paid_order(method="card", at=AT - dt.timedelta(days=400))  # last year: #IB/#UB/#RES -1
    first = paid_order(method="card", at=AT)
    paid_order(method="swish", amount="1500.00", vat_rate="0", at=AT)
    order_record_refund(
        order_id=first.pk,
        amount=Decimal("900.00"),
        provider="stripe",
        provider_event_id="refund:re_9",
        actor=SYSTEM,
        at=AT + dt.timedelta(days=1),
    )
    out = tmp_path / "bok.se"
    call_command("ledger", "sie", "--year", "2026", "--out", str(out))
    assert capsys.readouterr().out.startswith(f"{out}: ")
    data = out.read_bytes()
    assert data.startswith(b"#FLAGGA 0\n#KSUMMA\n") and b"\r" not in data
    assert b'#FNAMN "Consonance \\"Communication\\" \x8f"' in data  # CP437 Å, escaped quotes
    assert b"#ORGNR 556677-8899" in data and b"#SIETYP 4" in data
    code, result = sie_verify(out, capsys)
    assert code == 0, result["errors"]
    assert result["ksumma"] == "ok" and result["type"] == "4E"
    assert result["vouchers"] == 3 and result["transactions"] == 3 + 2 + 3
    parsed = read_sie(data, "bok.se")
    assert parsed.years[0] == (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert parsed.balances[("#RES", 0, "3004")] == Decimal("-1500.00")
    assert parsed.balances[("#RES", 0, "3001")] == Decimal("0.00")  # sold and refunded
    assert parsed.balances[("#IB", 0, "1580")] == Decimal("900.00")  # last year's card sale
    assert parsed.balances[("#UB", -1, "1580")] == Decimal("900.00")
    first_voucher = parsed.vouchers[0]
    assert (first_voucher.series, first_voucher.number, first_voucher.date) == (
        "A",
        "1",
        dt.date(2026, 5, 4),
    )
    assert [(t.account, t.amount) for t in first_voucher.transactions] == [
        ("1580", Decimal("900.00")),
        ("3001", Decimal("-720.00")),
        ("2611", Decimal("-180.00")),
    ]
    tampered = data.replace(b"#TRANS 1580 {} 900.00", b"#TRANS 1580 {} 900.01", 1)
    assert read_sie(tampered, "bok.se").ksumma == "mismatch"


@pytest.mark.django_db
def test_the_export_refuses_without_an_organisation_number(settings, tmp_path):
    settings.SELLER_ORGANISATION_NUMBER = ""
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="CONSONANCE_ORGANISATION_NUMBER"):
        call_command("ledger", "sie", "--year", "2026", "--out", str(tmp_path / "x.se"))


def test_the_command_line_exits_one_on_an_invalid_file(tmp_path):
    bad = tmp_path / "bad.se"
    bad.write_bytes(b"#FLAGGA 0\n")
    run = subprocess.run(
        [sys.executable, "-m", "consonance", "ledger", "verify", str(bad)],
        capture_output=True,
        text=True,
        env={"CONSONANCE_DEBUG": "1", "PATH": "/usr/bin"},
        check=False,
    )
    assert run.returncode == 1, run.stderr
    assert f"{bad}:1: mandatory record #PROGRAM is missing" in run.stderr
    assert f"{bad}:1: warning: #SIETYP is missing: read as type 1" in run.stderr
