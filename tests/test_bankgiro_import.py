"""BgMax import: `consonance bankgiro import`, matching to invoices, and the staff upload page."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from decimal import Decimal
from io import StringIO
from itertools import count
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from consonance.audit.models import Event
from consonance.bookkeeping.models import Voucher
from consonance.payments import hooks
from consonance.payments.bankgiro import imports
from consonance.payments.bankgiro.bgmax_reader import BgMaxError
from consonance.payments.bankgiro.bgmax_writer import DepositInput, write_bgmax
from consonance.payments.bankgiro.imports import bankgiro_import
from consonance.payments.bankgiro.models import BankDeposit, BankPayment, ImportedFile
from consonance.payments.models import Order, OrderEvent

REPO = Path(__file__).resolve().parent.parent
SAMPLE = Path(__file__).parent / "fixtures" / "bgmax" / "bankgirot-exempelfil-ocr-langd.txt"
SAMPLE_TK20_IN_LAST_DEPOSIT = 60  # "200001234567  ... 659763 ... EUR 1000.00", deposit 00076
_numbers = count(1)


def invoice(ocr: str, amount: str, *, currency: str = "SEK", status: str = "pending") -> Order:
    return Order.objects.create(
        reference=f"T-{next(_numbers):05d}",
        method=Order.Method.BANKGIRO,
        status=status,
        description="Videosamtal 50 min",
        amount=Decimal(amount),
        currency=currency,
        payer_name="Testa Testsson",
        payer_email="testa@example.se",
        ocr_reference=ocr,
    )


def run_import(path: Path | str, *options: str) -> dict:
    out = StringIO()
    call_command("bankgiro", "import", str(path), "--json", *options, stdout=out)
    return json.loads(out.getvalue())


def snapshot() -> tuple:
    return (
        ImportedFile.objects.count(),
        BankDeposit.objects.count(),
        BankPayment.objects.count(),
        OrderEvent.objects.count(),
        Event.objects.count(),
        sorted(Order.objects.values_list("pk", "status", "amount_paid")),
    )


def corrupt_line(number: int, column: int, char: str) -> bytes:
    lines = SAMPLE.read_bytes().split(b"\n")
    line = bytearray(lines[number - 1])
    line[column - 1] = ord(char)
    lines[number - 1] = bytes(line)
    return b"\n".join(lines)


@pytest.fixture(params=["ledger", "bulk"])
def recording(request, monkeypatch):
    """Run a test through both ways of recording matched money: one by one through the ledger
    (few matches), and the bulk path (many matches), which must give the same outcome."""
    if request.param == "bulk":
        monkeypatch.setattr(imports, "LEDGER_ONE_BY_ONE", 0)
    return request.param


# -- Bankgirot's example file ----------------------------------------------------------------


@pytest.mark.django_db
def test_example_file_gives_the_deposits_of_its_readme():
    report = run_import(SAMPLE)

    assert report["applied"] is True
    assert [
        (d["serial"], d["date"], d["currency"], d["amount"], d["payments"])
        for d in report["deposits"]
    ] == [
        ("00074", "2004-05-25", "SEK", "1900.00", 3),
        ("00075", "2004-05-25", "SEK", "8000.00", 4),
        ("00076", "2004-05-25", "EUR", "4000.00", 2),
    ]
    # 9 payment records: 8 payments (no invoices exist, so none matched) and one deduction.
    assert report["matched"] == []
    assert len(report["unmatched"]) == 8
    assert [d["amount"] for d in report["deductions"]] == ["500.00"]
    assert BankDeposit.objects.count() == 3
    assert BankPayment.objects.count() == 9


@pytest.mark.django_db
def test_invoices_matching_the_example_are_paid_partially_paid_and_overpaid(recording):
    paid = invoice("655969", "1000.00")  # 1 000.00 SEK arrives
    partial = invoice("659763", "1000.00")  # 700.00 SEK arrives (and 1 000.00 EUR, see below)
    over = invoice("650861", "1000.00")  # 1 100.00 SEK arrives

    report = run_import(SAMPLE)

    outcome = {(m["order"], m["amount"], m["state"]) for m in report["matched"]}
    assert outcome == {
        (paid.reference, "1000.00", "matched"),
        (partial.reference, "700.00", "partial"),
        (over.reference, "1100.00", "overpaid"),
    }
    for order in (paid, partial, over):
        order.refresh_from_db()
    assert (paid.status, paid.amount_paid) == (Order.Status.PAID, Decimal("1000.00"))
    assert (partial.status, partial.amount_paid) == (Order.Status.PARTIALLY_PAID, Decimal("700"))
    assert (over.status, over.amount_paid) == (Order.Status.OVERPAID, Decimal("1100.00"))
    # The money is on the orders' ledgers, once each, with a stable per-record id.
    events = OrderEvent.objects.filter(provider="bankgiro", kind="paid")
    assert events.count() == 3
    assert all(e.provider_event_id.startswith("bgmax:0009912346:20040525:") for e in events)
    assert set(
        BankPayment.objects.filter(order__isnull=False).values_list("order_id", "state")
    ) == {(paid.pk, "matched"), (partial.pk, "partial"), (over.pk, "overpaid")}
    # The same OCR paid in EUR into a SEK invoice is not added to it: the coach sees it.
    eur = [u for u in report["unmatched"] if u["currency"] == "EUR" and u["reference"] == "659763"]
    assert eur and eur[0]["reason"] == "currency"
    # Audited: per order through the ledger, or one row naming the orders on the bulk path.
    if recording == "ledger":
        assert Event.objects.filter(action="order.payment_recorded").count() == 3
    else:
        row = Event.objects.get(action="order.payments_recorded")
        assert json.loads(row.detail)["orders"] == sorted([paid.pk, partial.pk, over.pk])


@pytest.mark.django_db
def test_fully_paid_order_runs_the_paid_hooks(monkeypatch, recording):
    """One by one, `order_paid` for the order paid in full; in bulk, the batch's one hook names
    it among those it paid in full (and no `order_paid` follows)."""
    seen, batches = [], []
    monkeypatch.setattr(hooks.order_paid, "_registered", [])  # its handlers come back after
    hooks.order_paid.register(lambda order: seen.append(order.pk))
    hooks.payments_recorded.register(batches.append, order=1000)
    paid = invoice("655969", "1000.00")
    invoice("659763", "1000.00")  # only partly paid: no hook
    try:
        run_import(SAMPLE)
    finally:
        hooks.payments_recorded.unregister(batches.append)

    if recording == "ledger":
        assert (seen, batches) == ([paid.pk], [])
    else:
        assert seen == []
        assert [[order.pk for order in batch.paid] for batch in batches] == [[paid.pk]]


@pytest.mark.django_db
def test_the_bulk_path_emits_one_hook_for_its_payments_and_books_each_once(monkeypatch):
    """One `payments_recorded` carries every payment of the batch; no `payment_recorded` follows
    for them, and each still gets exactly one voucher."""
    monkeypatch.setattr(imports, "LEDGER_ONE_BY_ONE", 0)
    batches, singles = [], []
    hooks.payments_recorded.register(batches.append, order=1000)
    hooks.payment_recorded.register(singles.append, order=1000)
    try:
        orders = [invoice("655969", "1000.00"), invoice("659763", "700.00")]
        run_import(SAMPLE)
    finally:
        hooks.payments_recorded.unregister(batches.append)
        hooks.payment_recorded.unregister(singles.append)

    assert singles == []
    assert [sorted(entry.order.pk for entry in batch.entries) for batch in batches] == [
        sorted(order.pk for order in orders)
    ]
    payments = Voucher.objects.filter(kind=Voucher.Kind.PAYMENT)
    assert sorted(payments.values_list("order_id", flat=True)) == sorted(
        order.pk for order in orders
    )


@pytest.mark.django_db
def test_references_found_outside_the_ocr_field_are_matched():
    # Deposit 00074's third payment (1 400.00, reference code 3) names 657965 only in a TK22.
    order = invoice("657965", "1400.00")

    report = run_import(SAMPLE)

    assert [(m["order"], m["line"], m["state"]) for m in report["matched"]] == [
        (order.reference, 13, "matched")
    ]
    order.refresh_from_db()
    assert order.status == Order.Status.PAID


@pytest.mark.django_db
def test_a_payment_naming_several_invoices_is_left_to_the_coach():
    first = invoice("801266", "1000.00", currency="EUR")
    second = invoice("801365", "1000.00", currency="EUR")

    report = run_import(SAMPLE)

    line = next(u for u in report["unmatched"] if u["line"] == 51)
    assert line["reason"] == "several_invoices"
    assert Order.objects.get(pk=first.pk).amount_paid == 0
    assert Order.objects.get(pk=second.pk).amount_paid == 0


@pytest.mark.django_db
def test_cancelled_orders_are_not_paid_by_an_import():
    cancelled = invoice("655969", "1000.00", status=Order.Status.CANCELLED)

    report = run_import(SAMPLE)

    assert report["matched"] == []
    cancelled.refresh_from_db()
    assert (cancelled.status, cancelled.amount_paid) == (Order.Status.CANCELLED, 0)


@pytest.mark.django_db
def test_unmatched_payments_are_listed_without_payer_names():
    out = StringIO()
    call_command("bankgiro", "import", str(SAMPLE), stdout=out)
    human = out.getvalue()
    report = run_import(SAMPLE, "--dry-run")

    reasons = {(u["deposit"], u["line"]): u["reason"] for u in report["unmatched"]}
    assert reasons[("00074", 3)] == "no_invoice"
    assert reasons[("00075", 30)] == "no_reference"
    assert "Unmatched: 8" in human and "00075" in human
    # P8: the file's names and addresses are neither shown nor stored.
    for name in ("Kalles", "Storgatan", "Berits", "005500001234"):
        assert name not in human
        assert name not in json.dumps(report)
        assert not BankPayment.objects.filter(reference__contains=name).exists()
    assert BankPayment.objects.filter(state="unmatched").count() == 8


@pytest.mark.django_db
def test_deductions_are_recorded_as_deductions_not_payments():
    invoice("89853", "500.00")  # a reference that equals the deduction's must not be paid by it

    report = run_import(SAMPLE)

    assert [(d["deposit"], d["kind"], d["amount"]) for d in report["deductions"]] == [
        ("00074", "deduction", "500.00")
    ]
    row = BankPayment.objects.get(kind="deduction")
    assert (row.state, row.order_id) == ("deduction", None)
    assert not OrderEvent.objects.filter(kind="paid").exists()


# -- idempotency, dry runs, broken files -----------------------------------------------------


@pytest.mark.django_db
def test_importing_the_same_file_twice_changes_nothing(recording):
    invoice("655969", "1000.00")
    invoice("659763", "1000.00")
    first = run_import(SAMPLE)
    after_first = snapshot()

    second = run_import(SAMPLE)

    assert first["applied"] is True
    assert second["applied"] is False
    assert second["already_imported"] is True
    assert second["matched"] == []
    assert snapshot() == after_first


@pytest.mark.django_db
def test_the_same_payments_in_another_file_are_not_recorded_twice(recording):
    order = invoice("655969", "1000.00")
    run_import(SAMPLE)
    # The same deposits delivered again with another file timestamp: a different file.
    data = SAMPLE.read_bytes().replace(b"20040525173035010331", b"20040526080000000000", 1)

    report = bankgiro_import(data=data, filename="again.txt", dry_run=False, actor="system")

    assert report.applied is True
    assert report.matched == []
    assert [line.order_reference for line in report.already_recorded] == [order.reference]
    order.refresh_from_db()
    assert order.amount_paid == Decimal("1000.00")


@pytest.mark.django_db
def test_dry_run_reports_but_changes_nothing():
    invoice("655969", "1000.00")
    invoice("650861", "1000.00")
    before = snapshot()

    report = run_import(SAMPLE, "--dry-run")

    assert report["applied"] is False
    assert {m["state"] for m in report["matched"]} == {"matched", "overpaid"}
    assert len(report["deposits"]) == 3
    assert snapshot() == before
    # ...and the real import afterwards does what the dry run said.
    applied = run_import(SAMPLE)
    assert applied["matched"] == report["matched"]
    assert applied["unmatched"] == report["unmatched"]


@pytest.mark.django_db
def test_a_corrupted_record_refuses_the_whole_file_with_its_line(tmp_path):
    # A letter in the amount of a payment in the last deposit: the good deposits before it
    # must not be applied either.
    order = invoice("655969", "1000.00")
    bad = tmp_path / "broken.txt"
    bad.write_bytes(corrupt_line(SAMPLE_TK20_IN_LAST_DEPOSIT, 50, "X"))
    before = snapshot()
    err = StringIO()

    with pytest.raises(CommandError):
        call_command("bankgiro", "import", str(bad), "--json", stdout=StringIO(), stderr=err)

    assert err.getvalue().startswith(f"{bad}:{SAMPLE_TK20_IN_LAST_DEPOSIT}: amount")
    assert snapshot() == before
    order.refresh_from_db()
    assert order.amount_paid == 0
    with pytest.raises(BgMaxError) as raised:
        bankgiro_import(data=bad.read_bytes(), filename="b.txt", dry_run=False, actor="system")
    assert raised.value.line == SAMPLE_TK20_IN_LAST_DEPOSIT


@pytest.mark.django_db
def test_a_changed_total_is_refused_at_the_deposit_closing_line(tmp_path):
    bad = tmp_path / "total.txt"
    bad.write_bytes(corrupt_line(49, 66, "9"))  # deposit 00075's TK15 amount

    with pytest.raises(CommandError):
        call_command("bankgiro", "import", str(bad), stdout=StringIO(), stderr=StringIO())

    assert ImportedFile.objects.count() == 0
    assert BankPayment.objects.count() == 0


def _command(*args: str, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "CONSONANCE_DEBUG": "1",
        "CONSONANCE_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
    }
    return subprocess.run(
        [sys.executable, "-m", "consonance", "bankgiro", "import", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_broken_file_exits_1_printing_file_line_reason(tmp_path):
    bad = tmp_path / "broken.txt"
    bad.write_bytes(corrupt_line(SAMPLE_TK20_IN_LAST_DEPOSIT, 50, "X"))

    result = _command(str(bad), "--json", tmp_path=tmp_path)

    assert result.returncode == 1
    assert result.stderr.splitlines()[0].startswith(f"{bad}:{SAMPLE_TK20_IN_LAST_DEPOSIT}: ")
    assert result.stdout == ""


def test_missing_file_exits_1_with_a_clear_message(tmp_path):
    result = _command(str(tmp_path / "nowhere.txt"), tmp_path=tmp_path)

    assert result.returncode == 1
    assert f"{tmp_path / 'nowhere.txt'}: cannot read the file: No such file" in result.stderr


# -- volume ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_large_file_is_imported_with_few_queries(django_assert_max_num_queries):
    orders = [invoice(f"{n:05d}", "100.00") for n in range(100, 110)]
    from consonance.lib.ocr import ocr_make

    for order in orders:
        order.ocr_reference = ocr_make(str(order.pk + 10_000))
        order.save(update_fields=["ocr_reference"])
    payments = [(order.ocr_reference, Decimal("100.00")) for order in orders]
    payments += [(ocr_make(str(n)), Decimal("10.00")) for n in range(50_000, 55_000)]
    data = write_bgmax([DepositInput(date(2024, 5, 2), serial=1, payments=payments)])

    # Per matched payment the ledger's handful of queries and its voucher (number, voucher,
    # rows: 3, and the legal-hold key its payer's name is encrypted under: 1, issue 19); per
    # deposit the voucher of what no order took (issue 22); per fiscal year its legal-hold key,
    # made once (issue 19); otherwise a constant.
    with django_assert_max_num_queries(16 * len(orders) + 40 + 8 + 2 * 4):
        report = bankgiro_import(data=data, filename="big.txt", dry_run=False, actor="system")

    assert len(report.matched) == 10 and len(report.unmatched) == 5000
    assert BankPayment.objects.count() == 5010
    assert Order.objects.filter(status=Order.Status.PAID).count() == 10


# -- the staff page --------------------------------------------------------------------------


@pytest.fixture
def staging(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path / "bankgiro-staging"


def upload(client, data: bytes, name: str = "inbetalningar.txt"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        "/staff/bankgiro/upload/", {"file": SimpleUploadedFile(name, data, "text/plain")}
    )


@pytest.mark.django_db
def test_staff_upload_previews_then_applies(staff_client, staging):
    order = invoice("655969", "1000.00")

    preview = upload(staff_client, SAMPLE.read_bytes())

    assert preview.status_code == 200
    page = preview.content.decode()
    assert "Förhandsgranskning" in page and "00074" in page and order.reference in page
    assert "Kalles" not in page
    assert ImportedFile.objects.count() == 0  # a preview changes nothing
    # What waits for "Läs in" holds nothing about the payers (P8).
    staged = list(staging.glob("*.bgmax"))
    assert len(staged) == 1
    assert b"Kalles" not in staged[0].read_bytes() and b"Storgatan" not in staged[0].read_bytes()

    token = preview.context["token"]
    applied = staff_client.post("/staff/bankgiro/apply/", {"token": token}, follow=True)

    assert applied.status_code == 200
    imported = ImportedFile.objects.get()
    assert applied.redirect_chain[-1][0] == f"/staff/bankgiro/imports/{imported.pk}/"
    assert "Filen är inläst" in applied.content.decode()
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    # Line numbers survive the staging: they are the original file's.
    assert BankPayment.objects.get(order=order).line == 3
    assert not list(staging.glob("*.bgmax"))
    assert imported.sha256 == "93a092a889ad97743d102166cf2773133683e5b3fbed94289314bc248d1f0e42"

    again = staff_client.post("/staff/bankgiro/apply/", {"token": token}, follow=True)
    assert "Förhandsgranskningen har gått ut" in again.content.decode()
    assert ImportedFile.objects.count() == 1


@pytest.mark.django_db
def test_staff_upload_of_a_broken_file_shows_the_line_and_changes_nothing(staff_client, staging):
    response = upload(staff_client, corrupt_line(SAMPLE_TK20_IN_LAST_DEPOSIT, 50, "X"), "bad.txt")

    assert response.status_code == 400
    page = response.content.decode()
    assert f"rad {SAMPLE_TK20_IN_LAST_DEPOSIT}" in page
    assert f"bad.txt:{SAMPLE_TK20_IN_LAST_DEPOSIT}:" in page
    assert 'type="file"' in page  # the form is there again
    assert ImportedFile.objects.count() == 0
    assert not staging.exists() or not list(staging.glob("*.bgmax"))


@pytest.mark.django_db
def test_staff_page_lists_imports_and_unmatched_payments(staff_client, staging):
    run_import(SAMPLE)

    page = staff_client.get("/staff/bankgiro/")

    assert page.status_code == 200
    text = page.content.decode()
    assert str(SAMPLE) in text  # the file's name in the list of imports
    assert "Ingen öppen faktura har den här referensen" in text
    assert "Ingen referens angavs" in text
    assert len(page.context["unmatched"]) == 8


@pytest.mark.django_db
def test_coach_marks_an_unmatched_payment_as_dealt_with(staff_client, staging):
    run_import(SAMPLE)
    payment = BankPayment.objects.filter(state="unmatched").first()

    response = staff_client.post(f"/staff/bankgiro/payments/{payment.pk}/resolve/", follow=True)

    assert response.status_code == 200
    payment.refresh_from_db()
    assert payment.resolved_at is not None
    assert len(response.context["unmatched"]) == 7
    assert Event.objects.filter(action="bankgiro.payment_resolved").count() == 1


@pytest.mark.django_db
def test_staff_upload_of_an_imported_file_says_so(staff_client, staging):
    run_import(SAMPLE)

    response = upload(staff_client, SAMPLE.read_bytes())

    assert response.status_code == 200
    assert "redan inläst" in response.content.decode()
    assert "token" not in response.context or not response.context.get("token")


def test_staff_bankgiro_pages_need_a_signed_in_coach(client, db):
    response = client.get("/staff/bankgiro/")
    assert response.status_code in (302, 403)
