"""Swish adapter against a local HTTPS fake that demands a client certificate."""

from __future__ import annotations

import json
import logging
import ssl
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from consonance.payments.providers.base import ProviderError, WebhookRejected
from consonance.payments.providers.swish.adapter import (
    ERROR_DESCRIPTIONS,
    SwishError,
    SwishProvider,
    app_switch_url,
    format_amount,
    instruction_uuid,
    normalize_payer_alias,
    sanitize_message,
    sanitize_reference,
)
from consonance.payments.providers.swish.fake import (
    CLIENT_KEY_PASSPHRASE,
    MERCHANT_ALIAS,
    FakeSwishServer,
    SwishPki,
    make_pki,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
CALLBACK = "https://practice.example/payments/swish/callback"


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> SwishPki:
    return make_pki(tmp_path_factory.mktemp("swish-pki"))


@pytest.fixture
def fake(pki: SwishPki) -> Iterator[FakeSwishServer]:
    with FakeSwishServer(pki) as server:
        yield server


@pytest.fixture
def swish(fake: FakeSwishServer, pki: SwishPki) -> Iterator[SwishProvider]:
    provider = SwishProvider(
        base_url=fake.base_url,
        payee_alias=MERCHANT_ALIAS,
        cert_path=pki.client_cert,
        key_path=pki.client_key,
        key_passphrase=CLIENT_KEY_PASSPHRASE,
        ca_bundle_path=pki.ca_cert,
        timeout=5,
    )
    with provider:
        yield provider


def start(swish: SwishProvider, key: str = "order-1", **overrides: Any) -> str:
    kwargs: dict[str, Any] = {
        "reference": "INV-2026-0001",
        "amount": Decimal("500.00"),
        "currency": "SEK",
        "description": "Samtal 1 mars",
        "payer_email": "client@example.com",
        "return_url": "https://practice.example/paid",
        "cancel_url": "https://practice.example/cancelled",
        "callback_url": CALLBACK,
        "idempotency_key": key,
    }
    kwargs.update(overrides)
    return swish.start_payment(**kwargs).provider_ref


def paid_payment_ref(swish: SwishProvider, fake: FakeSwishServer) -> str:
    ref = start(swish)
    fake.mark_paid(ref)
    event = swish.parse_callback(body=fake.callback_body(ref), headers={}, now=NOW)
    assert event.payment_ref
    return event.payment_ref


# -- payments ---------------------------------------------------------------------------------


def test_m_commerce_payment_returns_instruction_uuid_and_token(
    swish: SwishProvider, fake: FakeSwishServer
) -> None:
    result = swish.start_payment(
        reference="INV-2026-0001",
        amount=Decimal("500"),
        currency="SEK",
        description="Samtal 1 mars",
        payer_email="client@example.com",
        return_url="https://practice.example/paid",
        cancel_url="https://practice.example/cancelled",
        callback_url=CALLBACK,
        idempotency_key="order-1",
    )

    assert result.provider_ref == instruction_uuid("payment", "order-1")
    assert len(result.provider_ref) == 32
    assert result.token
    stored = fake.payment(result.provider_ref).fields
    assert stored["amount"] == 500.0
    assert stored["payeeAlias"] == MERCHANT_ALIAS
    assert stored["payeePaymentReference"] == "INV20260001"
    assert stored["message"] == "Samtal 1 mars"
    assert stored["payerAlias"] is None
    assert stored["status"] == "CREATED"


def test_e_commerce_payment_sends_normalized_payer_alias_and_gets_no_token(
    swish: SwishProvider, fake: FakeSwishServer
) -> None:
    result = swish.start_payment(
        reference="r1",
        amount=Decimal("100.50"),
        currency="SEK",
        description="Session",
        payer_email="",
        return_url="",
        cancel_url="",
        callback_url=CALLBACK,
        idempotency_key="order-2",
        payer_alias="070-123 45 67",
    )

    assert result.token is None
    assert fake.payment(result.provider_ref).fields["payerAlias"] == "46701234567"


def test_requests_are_made_with_the_merchant_client_certificate(
    swish: SwishProvider, fake: FakeSwishServer
) -> None:
    start(swish)

    assert fake.requests[-1][2] == MERCHANT_ALIAS


def test_paid_callback_yields_paid_event_from_the_api(
    swish: SwishProvider, fake: FakeSwishServer
) -> None:
    ref = start(swish)
    fake.mark_paid(ref)

    event = swish.parse_callback(body=fake.callback_body(ref), headers={}, now=NOW)

    assert event.kind == "paid"
    assert event.provider_ref == ref
    assert event.event_id == f"{ref}:PAID"
    assert event.amount == Decimal("500.00")
    assert event.currency == "SEK"
    assert event.payment_ref == fake.payment(ref).fields["paymentReference"]
    assert event.occurred_at is not None and event.occurred_at.tzinfo is not None
    assert event.raw_type == "paymentrequest.PAID"
    assert ("GET", f"/swish-cpcapi/api/v1/paymentrequests/{ref}", MERCHANT_ALIAS) in fake.requests


def test_callback_event_carries_no_payer_phone_number(
    swish: SwishProvider, fake: FakeSwishServer
) -> None:
    ref = start(swish, payer_alias="46701234567")
    fake.mark_paid(ref)

    event = swish.parse_callback(body=fake.callback_body(ref), headers={}, now=NOW)

    assert "46701234567" not in repr(event)


def test_declined_callback_yields_failed_event(swish: SwishProvider, fake: FakeSwishServer) -> None:
    ref = start(swish)
    fake.mark_declined(ref)

    event = swish.parse_callback(body=fake.callback_body(ref), headers={}, now=NOW)

    assert event.kind == "failed"
    assert event.event_id == f"{ref}:DECLINED"
    assert event.payment_ref is None


def test_error_callback_yields_failed_event_with_error_code_only(
    swish: SwishProvider, fake: FakeSwishServer
) -> None:
    ref = start(swish)
    fake.mark_error(ref, "BANKIDCL")

    event = swish.parse_callback(body=fake.callback_body(ref), headers={}, now=NOW)

    assert event.kind == "failed"
    assert event.extra == {"error_code": "BANKIDCL"}
    assert "Swish says" not in repr(event)


def test_cancelled_callback_yields_cancelled_event(
    swish: SwishProvider, fake: FakeSwishServer
) -> None:
    ref = start(swish)
    fake.mark_cancelled(ref)

    event = swish.parse_callback(body=fake.callback_body(ref), headers={}, now=NOW)

    assert event.kind == "cancelled"


def test_forged_paid_callback_yields_the_authoritative_pending_state(
    swish: SwishProvider, fake: FakeSwishServer, caplog: pytest.LogCaptureFixture
) -> None:
    ref = start(swish)
    forged = json.loads(fake.callback_body(ref))
    forged.update(status="PAID", paymentReference="F" * 32, datePaid="2026-03-01T12:00:00Z")

    with caplog.at_level(logging.WARNING):
        event = swish.parse_callback(body=json.dumps(forged).encode(), headers={}, now=NOW)

    assert event.kind == "pending"
    assert event.event_id == f"{ref}:CREATED"
    assert event.payment_ref is None
    assert "claimed PAID" in caplog.text


def test_forged_callback_cannot_pass_a_payment_off_as_a_refund_or_vice_versa(
    swish: SwishProvider, fake: FakeSwishServer
) -> None:
    ref = start(swish)
    forged = {"id": ref, "originalPaymentReference": "X", "status": "PAID"}

    # The id is looked up among refunds, where Swish does not know it.
    with pytest.raises(WebhookRejected):
        swish.parse_callback(body=json.dumps(forged).encode(), headers={}, now=NOW)


def test_callback_for_unknown_id_is_rejected(swish: SwishProvider) -> None:
    body = json.dumps({"id": "A" * 32, "status": "PAID"}).encode()

    with pytest.raises(WebhookRejected):
        swish.parse_callback(body=body, headers={}, now=NOW)


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"status": "PAID"}',
        b'{"id": 42}',
        b'{"id": "../../v2/refunds/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}',
        b'{"id": "ABC"}',
        "\xff".encode("latin-1"),
    ],
)
def test_malformed_callback_is_rejected_without_calling_swish(
    swish: SwishProvider, fake: FakeSwishServer, body: bytes
) -> None:
    with pytest.raises(WebhookRejected):
        swish.parse_callback(body=body, headers={}, now=NOW)

    assert fake.requests == []


def test_retry_with_same_idempotency_key_reuses_the_existing_request(
    swish: SwishProvider, fake: FakeSwishServer
) -> None:
    first = start(swish, key="order-7")
    second = swish.start_payment(
        reference="INV-2026-0001",
        amount=Decimal("500.00"),
        currency="SEK",
        description="Samtal",
        payer_email="",
        return_url="",
        cancel_url="",
        callback_url=CALLBACK,
        idempotency_key="order-7",
    )

    assert second.provider_ref == first
    assert second.token is None
    assert len(fake.state.payments) == 1


def test_retrieve_payment_polls_the_current_state(
    swish: SwishProvider, fake: FakeSwishServer
) -> None:
    ref = start(swish)
    assert swish.retrieve_payment(ref).kind == "pending"

    fake.mark_paid(ref)

    assert swish.retrieve_payment(ref).kind == "paid"


# -- refunds ----------------------------------------------------------------------------------


def test_refund_flow_from_request_to_refunded_event(
    swish: SwishProvider, fake: FakeSwishServer
) -> None:
    payment_ref = paid_payment_ref(swish, fake)

    result = swish.refund(
        payment_ref=payment_ref,
        amount=Decimal("200.00"),
        currency="SEK",
        reference="CN-2026-0001",
        callback_url=CALLBACK,
        idempotency_key="refund-1",
    )

    assert result.status == "pending"
    assert result.refund_ref == instruction_uuid("refund", "refund-1")
    stored = fake.refund(result.refund_ref).fields
    assert stored["payerAlias"] == MERCHANT_ALIAS
    assert stored["originalPaymentReference"] == payment_ref
    assert stored["amount"] == 200.0

    fake.settle_refund(result.refund_ref, "PAID")
    event = swish.parse_callback(
        body=fake.refund_callback_body(result.refund_ref), headers={}, now=NOW
    )

    assert event.kind == "refunded"
    assert event.provider_ref == result.refund_ref
    assert event.event_id == f"{result.refund_ref}:PAID"
    assert event.payment_ref == payment_ref
    assert event.amount == Decimal("200.00")


@pytest.mark.parametrize("status", ["DECLINED", "ERROR"])
def test_failed_refund_callback_yields_refund_failed(
    swish: SwishProvider, fake: FakeSwishServer, status: str
) -> None:
    payment_ref = paid_payment_ref(swish, fake)
    refund = swish.refund(
        payment_ref=payment_ref,
        amount=Decimal("500.00"),
        currency="SEK",
        reference="CN1",
        callback_url=CALLBACK,
        idempotency_key="refund-2",
    )
    fake.settle_refund(refund.refund_ref, status, error_code="AM04")

    event = swish.parse_callback(
        body=fake.refund_callback_body(refund.refund_ref), headers={}, now=NOW
    )

    assert event.kind == "refund_failed"
    assert event.extra == {"error_code": "AM04"}


def test_refund_of_more_than_was_paid_raises_rf08(
    swish: SwishProvider, fake: FakeSwishServer
) -> None:
    payment_ref = paid_payment_ref(swish, fake)

    with pytest.raises(SwishError) as info:
        swish.refund(
            payment_ref=payment_ref,
            amount=Decimal("500.01"),
            currency="SEK",
            reference="CN1",
            callback_url=CALLBACK,
            idempotency_key="refund-3",
        )

    assert info.value.code == "RF08"


def test_refund_of_unknown_payment_raises_rf02(swish: SwishProvider) -> None:
    with pytest.raises(SwishError) as info:
        swish.refund(
            payment_ref="B" * 32,
            amount=Decimal("1.00"),
            currency="SEK",
            reference="CN1",
            callback_url=CALLBACK,
            idempotency_key="refund-4",
        )

    assert info.value.code == "RF02"


# -- errors -----------------------------------------------------------------------------------

DOCUMENTED_CODES = [
    "FF08",
    "RP03",
    "BE18",
    "RP01",
    "PA02",
    "AM06",
    "AM02",
    "AM03",
    "RP02",
    "RP06",
    "ACMT03",
    "ACMT01",
    "ACMT07",
    "RF07",
    "BANKIDCL",
    "RP04",
]


@pytest.mark.parametrize("code", DOCUMENTED_CODES)
def test_swish_error_code_becomes_provider_error_with_that_code(
    swish: SwishProvider, fake: FakeSwishServer, code: str
) -> None:
    fake.fail_next(code)

    with pytest.raises(ProviderError) as info:
        start(swish, payer_alias="46701234567")

    error = info.value
    assert isinstance(error, SwishError)
    assert error.code == code
    assert error.http_status == 422
    assert str(error) == f"Swish error {code}: {ERROR_DESCRIPTIONS[code]}"
    # Our own wording only: nothing Swish (or the payer) wrote is passed on.
    assert "Swish says" not in str(error)
    assert "46701234567" not in str(error)


def test_unrecognised_error_code_is_kept_and_nonsense_is_not_echoed(
    swish: SwishProvider, fake: FakeSwishServer
) -> None:
    fake.fail_next("ZZ99")
    with pytest.raises(SwishError) as info:
        start(swish)
    assert info.value.code == "ZZ99"

    fake.fail_next("<script>anna@example.com")
    with pytest.raises(SwishError) as info:
        start(swish, key="order-2")
    assert info.value.code == "UNKNOWN"
    assert "anna" not in str(info.value)


def test_http_failure_without_error_code_becomes_provider_error(
    swish: SwishProvider, fake: FakeSwishServer
) -> None:
    fake.fail_next("ignored", http_status=500)

    with pytest.raises(SwishError) as info:
        start(swish)

    assert info.value.code == "HTTP500"


def test_payee_alias_not_matching_the_certificate_owner_is_refused_by_swish(
    fake: FakeSwishServer, pki: SwishPki
) -> None:
    provider = SwishProvider(
        base_url=fake.base_url,
        payee_alias="1239999999",
        cert_path=pki.client_cert,
        key_path=pki.client_key,
        key_passphrase=CLIENT_KEY_PASSPHRASE,
        ca_bundle_path=pki.ca_cert,
    )

    with provider, pytest.raises(SwishError) as info:
        start(provider)

    assert info.value.code == "ACMT07"


def test_messy_description_is_sanitized_into_a_message_swish_accepts(
    swish: SwishProvider, fake: FakeSwishServer
) -> None:
    start(swish, description="Faktura #12 \u2013 Åsa & Björn's möte (vår) " + "x" * 80)
    message = next(iter(fake.state.payments.values())).fields["message"]
    assert message.startswith("Faktura 12 Åsa Björn s möte (vår)")
    assert len(message) <= 50


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"callback_url": "http://practice.example/cb"}, "RP03"),
        ({"currency": "EUR"}, "AM03"),
        ({"amount": Decimal("0")}, "PA02"),
        ({"amount": Decimal("10.005")}, "PA02"),
        ({"amount": Decimal("1000000000000")}, "AM02"),
        ({"payer_alias": "12"}, "BE18"),
    ],
)
def test_invalid_input_is_refused_before_calling_swish(
    swish: SwishProvider, fake: FakeSwishServer, overrides: dict[str, Any], code: str
) -> None:
    with pytest.raises(SwishError) as info:
        start(swish, **overrides)

    assert info.value.code == code
    assert fake.requests == []


# -- mutual TLS -------------------------------------------------------------------------------


def test_fake_refuses_a_client_without_certificate(fake: FakeSwishServer, pki: SwishPki) -> None:
    with (
        httpx.Client(verify=ssl.create_default_context(cafile=pki.ca_cert), timeout=5) as client,
        pytest.raises(httpx.TransportError),
    ):
        client.get(fake.base_url + "v1/paymentrequests/" + "A" * 32)

    assert fake.handshake_rejected.wait(timeout=5)
    assert fake.rejected_handshakes == 1
    assert fake.requests == []


def test_client_certificate_from_unknown_ca_raises_provider_error(
    fake: FakeSwishServer, pki: SwishPki
) -> None:
    provider = SwishProvider(
        base_url=fake.base_url,
        payee_alias=MERCHANT_ALIAS,
        cert_path=pki.rogue_client_cert,
        key_path=pki.rogue_client_key,
        ca_bundle_path=pki.ca_cert,
        timeout=5,
    )

    with provider, pytest.raises(ProviderError, match="could not be reached"):
        start(provider)

    assert fake.requests == []
    assert fake.handshake_rejected.wait(timeout=5)
    assert fake.rejected_handshakes == 1


def test_server_not_signed_by_configured_ca_raises_provider_error(
    fake: FakeSwishServer, pki: SwishPki
) -> None:
    provider = SwishProvider(
        base_url=fake.base_url,
        payee_alias=MERCHANT_ALIAS,
        cert_path=pki.client_cert,
        key_path=pki.client_key,
        key_passphrase=CLIENT_KEY_PASSPHRASE,
        ca_bundle_path=pki.rogue_ca_cert,
        timeout=5,
    )

    with provider, pytest.raises(ProviderError, match="could not be reached"):
        start(provider)

    assert fake.requests == []


def test_missing_certificate_file_raises_provider_error(pki: SwishPki, tmp_path: Path) -> None:
    with pytest.raises(ProviderError, match="could not be loaded"):
        SwishProvider(
            base_url="https://127.0.0.1:9/",
            payee_alias=MERCHANT_ALIAS,
            cert_path=tmp_path / "missing.pem",
            key_path=pki.client_key,
        )


def test_wrong_key_passphrase_raises_provider_error(pki: SwishPki) -> None:
    with pytest.raises(ProviderError, match="could not be loaded"):
        SwishProvider(
            base_url="https://127.0.0.1:9/",
            payee_alias=MERCHANT_ALIAS,
            cert_path=pki.client_cert,
            key_path=pki.client_key,
            key_passphrase="wrong",
        )


def test_unreachable_swish_raises_provider_error(pki: SwishPki) -> None:
    provider = SwishProvider(
        base_url="https://127.0.0.1:9/swish-cpcapi/api/",
        payee_alias=MERCHANT_ALIAS,
        cert_path=pki.client_cert,
        key_path=pki.client_key,
        key_passphrase=CLIENT_KEY_PASSPHRASE,
        ca_bundle_path=pki.ca_cert,
        timeout=2,
    )

    with provider, pytest.raises(ProviderError):
        start(provider)


def test_payee_alias_must_be_a_merchant_number(pki: SwishPki) -> None:
    with pytest.raises(ValueError, match="merchant number"):
        SwishProvider(
            base_url="https://127.0.0.1:9/",
            payee_alias="0701234567",
            cert_path=pki.client_cert,
            key_path=pki.client_key,
            key_passphrase=CLIENT_KEY_PASSPHRASE,
        )


# -- helpers ----------------------------------------------------------------------------------


def test_instruction_uuid_is_stable_per_key_and_kind() -> None:
    assert instruction_uuid("payment", "k") == instruction_uuid("payment", "k")
    assert instruction_uuid("payment", "k") != instruction_uuid("refund", "k")
    assert instruction_uuid("payment", "") != instruction_uuid("payment", "")
    assert instruction_uuid("payment", "k").isupper()


@pytest.mark.parametrize(
    ("amount", "text"),
    [(Decimal("500"), "500.00"), (Decimal("0.01"), "0.01"), (Decimal("1234.5"), "1234.50")],
)
def test_format_amount_uses_two_decimals(amount: Decimal, text: str) -> None:
    assert format_amount(amount) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Café visit", "Cafe visit"),
        ("Räkning: 3 samtal!", "Räkning: 3 samtal!"),
        ("a/b\\c\n<d>", "a b c d"),
        ("x" * 60, "x" * 50),
        ("😀", ""),
    ],
)
def test_sanitize_message_keeps_only_swish_characters(text: str, expected: str) -> None:
    assert sanitize_message(text) == expected


def test_sanitize_reference_drops_punctuation_and_truncates() -> None:
    assert sanitize_reference("0f8fad5b-d9cb-469f-a165-70867728950e") == (
        "0f8fad5bd9cb469fa16570867728950e"
    )
    assert len(sanitize_reference("A" * 40)) == 35


@pytest.mark.parametrize("raw", ["+46 70 123 45 67", "0046701234567", "070-1234567", "46701234567"])
def test_normalize_payer_alias_accepts_common_spellings(raw: str) -> None:
    assert normalize_payer_alias(raw) == "46701234567"


def test_app_switch_url_encodes_token_and_return_url() -> None:
    assert app_switch_url("tok", "https://x.example/a?b=1") == (
        "swish://paymentrequest?token=tok&callbackurl=https%3A%2F%2Fx.example%2Fa%3Fb%3D1"
    )
