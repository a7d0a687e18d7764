"""Fortnox: connect once over OAuth2, then vouchers go to /3/vouchers by themselves, within the
rate limit, never twice, with the refresh token rotated and kept in step."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine

from consonance.bookkeeping import fortnox as fx
from consonance.bookkeeping.models import FortnoxConnection, FortnoxPosting, Voucher
from consonance.bookkeeping.services import VoucherSpec, voucher_create
from tests.factories import paid_order
from tests.fakes.fortnox_server import CLIENT_ID, CLIENT_SECRET, FakeFortnoxServer

pytestmark = pytest.mark.django_db

AT = dt.datetime(2026, 5, 4, 10, tzinfo=dt.UTC)


@pytest.fixture
def fake(settings):
    with FakeFortnoxServer() as server:
        settings.FORTNOX_CLIENT_ID = CLIENT_ID
        settings.FORTNOX_CLIENT_SECRET = CLIENT_SECRET
        settings.FORTNOX_AUTH_BASE = server.base
        settings.FORTNOX_API_BASE = server.base
        settings.SITE_URL = "https://praktik.example"
        yield server


def connect_over_http(client, fake) -> None:
    response = client.post("/staff/bookkeeping/fortnox/connect/")
    assert response.status_code == 302
    target = urlsplit(response["Location"])
    query = parse_qs(target.query)
    assert target.path == "/oauth-v1/auth" and query["client_id"] == [CLIENT_ID]
    assert query["access_type"] == ["offline"] and query["scope"] == ["bookkeeping"]
    assert query["redirect_uri"] == ["https://praktik.example/staff/bookkeeping/fortnox/callback/"]
    code = fake.issue_code()
    back = client.get(
        "/staff/bookkeeping/fortnox/callback/", {"code": code, "state": query["state"][0]}
    )
    assert back.status_code == 302


def test_connect_then_vouchers_flow_to_fortnox_once(staff_client, fake):
    paid_order(method="card", at=AT)  # before connecting: queued when connected
    connect_over_http(staff_client, fake)
    connection = FortnoxConnection.objects.get()
    assert fake.state.refresh_current.encode() not in bytes(connection.refresh_token_ciphertext)
    paid_order(method="swish", at=AT)
    assert FortnoxPosting.objects.filter(state="pending").count() == 2
    assert fx.fortnox_sync() == {"sent": 2, "found": 0, "failed": 0, "retry": 0}
    assert len(fake.vouchers) == 2
    sent = fake.vouchers[0]
    assert sent["TransactionDate"] == "2026-05-04" and sent["VoucherSeries"] == "A"
    assert {r["Account"]: (r["Debit"], r["Credit"]) for r in sent["VoucherRows"]} == {
        1580: (900.0, 0),
        3001: (0, 720.0),
        2611: (0, 180.0),
    }
    assert fx.fortnox_sync()["sent"] == 0  # nothing twice
    assert len(fake.vouchers) == 2
    page = staff_client.get("/staff/bookkeeping/fortnox/").content.decode()
    assert "Skickade: 2" in page and "Ansluten" in page


def test_a_crash_after_sending_does_not_send_twice(staff_client, fake):
    connect_over_http(staff_client, fake)
    order = paid_order(method="swish", at=AT)
    voucher = Voucher.objects.get(order=order)
    fx.fortnox_sync()
    # Simulate a crash between Fortnox's answer and our commit: the posting says "sending".
    FortnoxPosting.objects.filter(voucher=voucher).update(
        state="sending", remote_number=None, next_attempt_at=dt.datetime.now(dt.UTC)
    )
    assert fx.fortnox_sync()["found"] == 1
    assert len(fake.vouchers) == 1
    assert FortnoxPosting.objects.get(voucher=voucher).state == "sent"


def test_a_voucher_being_sent_by_another_worker_is_left_alone(staff_client, fake):
    connect_over_http(staff_client, fake)
    order = paid_order(method="swish", at=AT)
    posting = FortnoxPosting.objects.get(voucher__order=order)
    FortnoxPosting.objects.filter(pk=posting.pk).update(
        state="sending", next_attempt_at=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)
    )
    assert fx.fortnox_sync() == {"sent": 0, "found": 0, "failed": 0, "retry": 0}
    assert fake.vouchers == []


def test_the_refresh_token_rotates_and_a_reused_one_is_refused(staff_client, fake):
    connect_over_http(staff_client, fake)
    first = fx._open(FortnoxConnection.objects.get().refresh_token_ciphertext, "refresh")
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)):
        fx.access_token()
    second = fx._open(FortnoxConnection.objects.get().refresh_token_ciphertext, "refresh")
    assert second != first and fake.state.refresh_current == second
    # An old copy of the token (a restored backup, a second server) is refused by Fortnox:
    # the connection is marked broken and the coach is asked to connect again.
    FortnoxConnection.objects.update(
        refresh_token_ciphertext=fx._seal(first, "refresh"), access_expires_at=None
    )
    with pytest.raises(fx.FortnoxAuthLost):
        fx.access_token()
    assert FortnoxConnection.objects.get().broken == "refresh_refused"
    page = staff_client.get("/staff/bookkeeping/fortnox/").content.decode()
    assert "Anslutningen har upphört" in page


def test_the_rate_limit_is_kept_and_429_backs_off(staff_client, fake):
    connect_over_http(staff_client, fake)
    for n in range(30):
        voucher_create(
            VoucherSpec(
                date=dt.date(2026, 5, 1 + n % 28),
                description=f"V{n}",
                rows=[("1930", 100), ("3004", -100)],
                kind="other",
                actor="system",
            )
        )
    naps: list[float] = []
    clock = [0.0]

    def sleep(seconds: float) -> None:
        naps.append(seconds)
        clock[0] += seconds
        fake.state.api_times.clear()  # the fake's window passes with our simulated time

    limiter = fx.RateLimiter(clock=lambda: clock[0], sleep=sleep)
    client = fx.FortnoxClient(limiter=limiter)
    fake.fail_next(429)
    counts = fx.fortnox_sync(client=client)
    client.close()
    assert counts["sent"] == 30 and len(fake.vouchers) == 30
    assert naps, "the limiter waited at least once"
    assert fake.state.refused_429 == 0  # only the forced one, which is not counted there
    statuses = [s for _m, _p, s in fake.state.requests]
    assert statuses.count(429) == 1


def test_an_outage_leaves_vouchers_pending_for_a_later_try(staff_client, fake):
    connect_over_http(staff_client, fake)
    order = paid_order(method="swish", at=AT)
    fake.down = True
    assert fx.fortnox_sync()["retry"] == 1
    posting = FortnoxPosting.objects.get(voucher__order=order)
    assert posting.state == "pending" and posting.error == "http_503"
    assert posting.next_attempt_at > dt.datetime.now(dt.UTC)
    fake.down = False
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=2)):
        assert fx.fortnox_sync()["sent"] == 1


def test_a_refused_voucher_is_failed_with_its_reason_and_can_be_sent_again(staff_client, fake):
    connect_over_http(staff_client, fake)
    order = paid_order(method="swish", at=dt.datetime(2028, 2, 1, 10, tzinfo=dt.UTC))
    assert fx.fortnox_sync()["failed"] == 1  # no financial year 2028 in Fortnox
    posting = FortnoxPosting.objects.get(voucher__order=order)
    assert posting.state == "failed" and posting.error == "no_financial_year"
    page = staff_client.get("/staff/bookkeeping/fortnox/?status=failed").content.decode()
    assert "no_financial_year" in page
    response = staff_client.post(f"/staff/bookkeeping/fortnox/{posting.pk}/retry/")
    assert response.status_code == 302
    assert FortnoxPosting.objects.get(pk=posting.pk).state == "pending"


def test_a_callback_with_a_wrong_state_connects_nothing(staff_client, fake):
    staff_client.post("/staff/bookkeeping/fortnox/connect/")
    response = staff_client.get(
        "/staff/bookkeeping/fortnox/callback/", {"code": fake.issue_code(), "state": "forged"}
    )
    assert response.status_code == 302
    assert not FortnoxConnection.objects.exists()
