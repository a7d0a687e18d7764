"""The PayPal Orders v2 adapter against a local fake PayPal (no database, real HTTP)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest

from consonance.payments.providers.base import ProviderError, WebhookRejected
from consonance.payments.providers.paypal.adapter import (
    IgnoredEvent,
    PayPalAPIError,
    PayPalProvider,
)
from consonance.payments.providers.paypal.fake import PayPalFake

PAYER_EMAIL = "klient@example.se"


@pytest.fixture
def fake() -> Iterator[PayPalFake]:
    with PayPalFake() as running:
        yield running


def provider_for(fake: PayPalFake, **overrides) -> PayPalProvider:
    settings = {
        "client_id": fake.client_id,
        "client_secret": fake.client_secret,
        "webhook_id": fake.webhook_id,
        "api_base": fake.url,
        "timeout": 5,
        **overrides,
    }
    return PayPalProvider(**settings)


@pytest.fixture
def paypal(fake: PayPalFake) -> Iterator[PayPalProvider]:
    with provider_for(fake) as provider:
        yield provider


def now() -> datetime:
    return datetime.now(UTC)


def start(paypal: PayPalProvider, *, reference: str = "B-2001", key: str = "start-B-2001"):
    return paypal.start_payment(
        reference=reference,
        amount=Decimal("500"),
        currency="SEK",
        description="Samtal 50 min",
        payer_email=PAYER_EMAIL,
        return_url="https://praktik.example/pay/paypal/return",
        cancel_url="https://praktik.example/pay/paypal/cancel",
        callback_url="https://praktik.example/hooks/paypal",
        idempotency_key=key,
    )


def paid(paypal: PayPalProvider, fake: PayPalFake):
    order_id = start(paypal).provider_ref
    fake.approve(order_id, given_name="Anna", surname="Andersson", email=PAYER_EMAIL)
    return paypal.capture(order_id)


# -- Starting, approving and capturing --------------------------------------------------------


def test_start_payment_creates_a_capture_order_and_redirects_to_the_payer_action_link(paypal, fake):
    result = start(paypal)

    order = fake.orders[result.provider_ref]
    assert result.redirect_url == f"{fake.url}/checkoutnow?token={result.provider_ref}"
    sent = fake.requests_to("/v2/checkout/orders")[0]
    assert sent.headers["paypal-request-id"] == "start-B-2001"
    assert sent.body["intent"] == "CAPTURE"
    assert sent.body["purchase_units"] == [
        {
            "reference_id": "B-2001",
            "custom_id": "B-2001",
            "description": "Samtal 50 min",
            "amount": {"currency_code": "SEK", "value": "500.00"},
        }
    ]
    context = sent.body["payment_source"]["paypal"]["experience_context"]
    assert context["return_url"] == "https://praktik.example/pay/paypal/return"
    assert context["cancel_url"] == "https://praktik.example/pay/paypal/cancel"
    assert order["status"] == "PAYER_ACTION_REQUIRED"


def test_the_payer_email_is_not_sent_to_paypal(paypal, fake):
    start(paypal)

    assert PAYER_EMAIL not in json.dumps([r.body for r in fake.requests])


def test_an_approved_order_captures_into_a_paid_event_with_name_and_email_only(paypal, fake):
    event = paid(paypal, fake)

    capture_id = next(iter(fake.captures))
    assert event.kind == "paid"
    assert event.provider_ref == next(iter(fake.orders))
    assert event.payment_ref == capture_id
    assert event.amount == Decimal("500.00")
    assert event.currency == "SEK"
    assert event.payer_name == "Anna Andersson"
    assert event.payer_email == PAYER_EMAIL
    assert (event.card_last4, event.card_expiry) == (None, None)
    assert event.extra == {
        "status": "COMPLETED",
        "reference": "B-2001",
        # PayPal's fee on the capture (3.40 % + 3.25 SEK in the fake), booked by bookkeeping
        "fee": "20.25",
        "fee_currency": "SEK",
        "fee_ref": capture_id,
    }
    assert event.occurred_at is not None and event.occurred_at.tzinfo is not None
    assert "payer_id" not in repr(event) and "SE" not in event.extra.values()


def test_capturing_again_reads_the_order_back_and_gives_the_same_event(paypal, fake):
    first = paid(paypal, fake)
    second = paypal.capture(first.provider_ref)

    assert second == first
    assert len(fake.captures) == 1


def test_capturing_an_order_the_payer_has_not_approved_is_a_provider_error(paypal, fake):
    order_id = start(paypal).provider_ref

    with pytest.raises(PayPalAPIError) as caught:
        paypal.capture(order_id)
    assert caught.value.issue == "ORDER_NOT_APPROVED"
    assert caught.value.status == 422


def test_a_capture_that_failed_once_can_succeed_after_approval(paypal, fake):
    order_id = start(paypal).provider_ref
    with pytest.raises(PayPalAPIError):
        paypal.capture(order_id)
    fake.approve(order_id)

    assert paypal.capture(order_id).kind == "paid"


def test_a_browser_following_the_approve_link_comes_back_with_the_order_token(paypal, fake):
    result = start(paypal)

    response = httpx.get(result.redirect_url, follow_redirects=False)
    location = httpx.URL(response.headers["location"])
    assert response.status_code == 302
    assert str(location).startswith("https://praktik.example/pay/paypal/return?")
    assert location.params["token"] == result.provider_ref
    assert location.params["PayerID"]
    assert fake.orders[result.provider_ref]["status"] == "APPROVED"


def test_a_pending_capture_is_pending_until_the_webhook_says_completed(paypal, fake):
    fake.capture_status = "PENDING"
    pending = paid(paypal, fake)
    body, headers = fake.settle_capture(pending.payment_ref)
    settled = paypal.parse_callback(body=body, headers=headers, now=now())

    assert pending.kind == "pending"
    assert (settled.kind, settled.raw_type) == ("paid", "PAYMENT.CAPTURE.COMPLETED")
    assert settled.provider_ref == pending.provider_ref
    assert settled.payment_ref == pending.payment_ref


def test_a_declined_capture_is_a_failed_event(paypal, fake):
    fake.capture_status = "DECLINED"
    event = paid(paypal, fake)
    body, headers = fake.capture_webhook(event.payment_ref)

    assert event.kind == "failed"
    assert paypal.parse_callback(body=body, headers=headers, now=now()).kind == "failed"


def test_order_ids_that_could_change_the_url_path_are_refused(paypal, fake):
    for bad in ("../../v1/oauth2/token", "ABC/capture", "", "A" * 65):
        with pytest.raises(ValueError):
            paypal.capture(bad)
    assert fake.requests == []


def test_amounts_finer_than_one_ore_are_refused(paypal, fake):
    with pytest.raises(ValueError):
        paypal.start_payment(
            reference="B-1",
            amount=Decimal("10.001"),
            currency="SEK",
            description="x",
            payer_email=PAYER_EMAIL,
            return_url="https://x/ok",
            cancel_url="https://x/no",
            callback_url="https://x/hook",
            idempotency_key="k",
        )


# -- Webhooks ---------------------------------------------------------------------------------


def test_a_verified_capture_completed_webhook_is_a_paid_event(paypal, fake):
    payment = paid(paypal, fake)
    body, headers = fake.capture_webhook(payment.payment_ref)
    event = paypal.parse_callback(body=body, headers=headers, now=now())

    assert fake.verifications == ["SUCCESS"]
    assert event.event_id == json.loads(body)["id"]
    assert event.kind == "paid"
    assert event.provider_ref == payment.provider_ref
    assert event.payment_ref == payment.payment_ref
    assert (event.amount, event.currency) == (Decimal("500.00"), "SEK")
    assert event.extra["reference"] == "B-2001"


def test_the_verification_request_carries_the_headers_webhook_id_and_event(paypal, fake):
    payment = paid(paypal, fake)
    body, headers = fake.capture_webhook(payment.payment_ref)
    paypal.parse_callback(body=body, headers=headers, now=now())

    sent = fake.requests_to("/v1/notifications/verify-webhook-signature")[0].body
    assert sent["webhook_id"] == fake.webhook_id
    assert sent["transmission_id"] == headers["PAYPAL-TRANSMISSION-ID"]
    assert sent["transmission_sig"] == headers["PAYPAL-TRANSMISSION-SIG"]
    assert sent["cert_url"] == headers["PAYPAL-CERT-URL"]
    assert sent["auth_algo"] == "SHA256withRSA"
    assert sent["webhook_event"] == json.loads(body)


def test_an_order_approved_webhook_asks_the_caller_to_capture(paypal, fake):
    order_id = start(paypal).provider_ref
    fake.approve(order_id, given_name="Anna", surname="Andersson", email=PAYER_EMAIL)
    body, headers = fake.order_approved_webhook(order_id)
    event = paypal.parse_callback(body=body, headers=headers, now=now())

    assert event.kind == "pending"
    assert event.provider_ref == order_id
    assert event.extra["next_action"] == "capture"
    assert (event.payer_name, event.payer_email) == ("Anna Andersson", PAYER_EMAIL)
    assert paypal.capture(event.provider_ref).kind == "paid"


def test_a_webhook_paypal_does_not_verify_is_refused(paypal, fake):
    payment = paid(paypal, fake)
    body, _ = fake.capture_webhook(payment.payment_ref)

    with pytest.raises(WebhookRejected) as caught:
        paypal.parse_callback(body=body, headers=fake.forge(body), now=now())
    assert fake.verifications == ["FAILURE"]
    assert PAYER_EMAIL not in str(caught.value)


def test_a_webhook_whose_body_was_changed_after_signing_is_refused(paypal, fake):
    payment = paid(paypal, fake)
    body, headers = fake.capture_webhook(payment.payment_ref)
    tampered = body.replace(b'"500.00"', b'"5.00"')

    assert tampered != body
    with pytest.raises(WebhookRejected):
        paypal.parse_callback(body=tampered, headers=headers, now=now())


def test_a_webhook_for_another_webhook_id_is_refused(fake):
    with provider_for(fake, webhook_id="WH-SOMEONE-ELSE") as other:
        order_id = start(other).provider_ref
        fake.approve(order_id)
        body, headers = fake.order_approved_webhook(order_id)
        with pytest.raises(WebhookRejected):
            other.parse_callback(body=body, headers=headers, now=now())


@pytest.mark.parametrize(
    "missing",
    [
        "PAYPAL-TRANSMISSION-ID",
        "PAYPAL-TRANSMISSION-TIME",
        "PAYPAL-CERT-URL",
        "PAYPAL-AUTH-ALGO",
        "PAYPAL-TRANSMISSION-SIG",
    ],
)
def test_a_webhook_missing_a_transmission_header_is_refused_without_asking_paypal(
    paypal, fake, missing
):
    order_id = start(paypal).provider_ref
    body, headers = fake.order_approved_webhook(order_id)
    del headers[missing]

    with pytest.raises(WebhookRejected, match="missing"):
        paypal.parse_callback(body=body, headers=headers, now=now())
    assert fake.requests_to("/v1/notifications/verify-webhook-signature") == []


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"[]", b'{"id": "WH-1"}', b'{"id": "WH-1", "event_type": "X", "resource": NaN}'],
)
def test_a_malformed_webhook_body_is_refused_without_asking_paypal(paypal, fake, body):
    with pytest.raises(WebhookRejected):
        paypal.parse_callback(body=body, headers=fake.sign(b"{}"), now=now())
    assert fake.requests_to("/v1/notifications/verify-webhook-signature") == []


def test_header_names_are_matched_case_insensitively(paypal, fake):
    order_id = start(paypal).provider_ref
    body, headers = fake.order_approved_webhook(order_id)
    django_style = {key.title(): value for key, value in headers.items()}

    assert paypal.parse_callback(body=body, headers=django_style, now=now()).kind == "pending"


def test_a_resent_webhook_keeps_its_event_id(paypal, fake):
    payment = paid(paypal, fake)
    body, headers = fake.capture_webhook(payment.payment_ref)
    first = paypal.parse_callback(body=body, headers=headers, now=now())
    resent_headers = fake.sign(body)
    second = paypal.parse_callback(body=body, headers=resent_headers, now=now())

    assert resent_headers["PAYPAL-TRANSMISSION-ID"] != headers["PAYPAL-TRANSMISSION-ID"]
    assert first.event_id == second.event_id
    assert first == second


def test_an_unreachable_verification_service_is_a_provider_error_so_paypal_retries(paypal, fake):
    order_id = start(paypal).provider_ref
    body, headers = fake.order_approved_webhook(order_id)
    fake.fail_next(503, path="/v1/notifications/verify-webhook-signature")

    with pytest.raises(ProviderError) as caught:
        paypal.parse_callback(body=body, headers=headers, now=now())
    assert not isinstance(caught.value, WebhookRejected)


def test_an_event_type_we_do_not_handle_is_ignored_after_verification(paypal, fake):
    body, headers = fake.webhook("BILLING.SUBSCRIPTION.CREATED", {"id": "I-1"})

    with pytest.raises(IgnoredEvent):
        paypal.parse_callback(body=body, headers=headers, now=now())
    assert fake.verifications == ["SUCCESS"]


# -- Refunds ----------------------------------------------------------------------------------


def refund(paypal: PayPalProvider, capture_id: str, amount: str, key: str = "refund-1"):
    return paypal.refund(
        payment_ref=capture_id,
        amount=Decimal(amount),
        currency="SEK",
        reference="B-2001",
        callback_url="https://praktik.example/hooks/paypal",
        idempotency_key=key,
    )


def test_a_full_refund_is_done_and_confirmed_by_webhook(paypal, fake):
    payment = paid(paypal, fake)
    result = refund(paypal, payment.payment_ref, "500.00")
    body, headers = fake.refund_webhook(result.refund_ref)
    event = paypal.parse_callback(body=body, headers=headers, now=now())

    assert result.status == "done"
    sent = fake.requests_to(f"/v2/payments/captures/{payment.payment_ref}/refund")[0]
    assert sent.body["amount"] == {"currency_code": "SEK", "value": "500.00"}
    assert sent.headers["paypal-request-id"] == "refund-1"
    assert event.kind == "refunded"
    assert event.provider_ref == result.refund_ref
    assert event.payment_ref == payment.payment_ref
    assert event.amount == Decimal("500.00")
    assert event.extra["refunded_total"] == "500.00"
    assert event.extra["reference"] == "B-2001"


def test_partial_refunds_are_separate_and_add_up(paypal, fake):
    payment = paid(paypal, fake)
    first = refund(paypal, payment.payment_ref, "150", key="r1")
    second = refund(paypal, payment.payment_ref, "100.50", key="r2")
    body, headers = fake.refund_webhook(second.refund_ref)
    event = paypal.parse_callback(body=body, headers=headers, now=now())

    assert first.refund_ref != second.refund_ref
    assert event.amount == Decimal("100.50")
    assert event.extra["refunded_total"] == "250.50"
    assert fake.captures[payment.payment_ref]["status"] == "PARTIALLY_REFUNDED"


def test_repeating_a_refund_with_the_same_request_id_refunds_once(paypal, fake):
    payment = paid(paypal, fake)
    first = refund(paypal, payment.payment_ref, "100", key="same")
    second = refund(paypal, payment.payment_ref, "100", key="same")

    assert first == second
    assert len(fake.refunds) == 1


def test_refunding_more_than_is_left_is_a_provider_error(paypal, fake):
    payment = paid(paypal, fake)
    refund(paypal, payment.payment_ref, "400", key="r1")

    with pytest.raises(PayPalAPIError) as caught:
        refund(paypal, payment.payment_ref, "200", key="r2")
    assert caught.value.issue == "REFUND_AMOUNT_EXCEEDED"


# -- The access token -------------------------------------------------------------------------


def test_one_token_serves_many_calls(paypal, fake):
    paid(paypal, fake)
    start(paypal, reference="B-2002", key="k2")
    body, headers = fake.order_approved_webhook(next(iter(fake.orders)))
    paypal.parse_callback(body=body, headers=headers, now=now())

    assert fake.token_requests == 1
    token_request = fake.requests_to("/v1/oauth2/token")[0]
    assert token_request.body == {"grant_type": "client_credentials"}
    assert token_request.headers["authorization"].startswith("Basic ")


def test_the_token_is_renewed_shortly_before_it_expires(fake):
    clock = [1000.0]
    fake.token_ttl = 600
    with provider_for(fake, clock=lambda: clock[0]) as paypal:
        start(paypal, key="k1")
        clock[0] += 530  # still inside the lifetime less the safety margin
        start(paypal, key="k2")
        clock[0] += 20  # within a minute of expiry
        start(paypal, key="k3")

    assert fake.token_requests == 2


def test_a_revoked_token_is_replaced_once_and_the_call_goes_through(paypal, fake):
    start(paypal, key="k1")
    fake.revoke_tokens()

    assert start(paypal, key="k2").provider_ref
    assert fake.token_requests == 2


def test_wrong_client_credentials_are_a_provider_error_without_the_secret(fake):
    with (
        provider_for(fake, client_secret="not-the-secret") as paypal,
        pytest.raises(PayPalAPIError) as caught,
    ):
        start(paypal)
    assert caught.value.status == 401
    assert caught.value.name == "invalid_client"
    assert "not-the-secret" not in str(caught.value)


# -- Provider errors --------------------------------------------------------------------------


@pytest.mark.parametrize("status", [400, 403, 422, 500, 503])
def test_paypal_errors_raise_provider_error_without_personal_data(paypal, fake, status):
    # PayPal's descriptions and details[].value can echo what we sent.
    fake.fail_next(
        status,
        path="/v2/checkout/orders",
        name="UNPROCESSABLE_ENTITY" if status < 500 else "INTERNAL_SERVER_ERROR",
        issue="PAYEE_ACCOUNT_RESTRICTED" if status < 500 else None,
        description=f"Problem with payer {PAYER_EMAIL}",
    )

    with pytest.raises(ProviderError) as caught:
        start(paypal)
    message = str(caught.value)
    assert PAYER_EMAIL not in message
    assert "Samtal" not in message
    assert f"HTTP {status}" in message
    assert "debug id" in message


def test_an_unreachable_paypal_is_a_provider_error():
    with PayPalFake() as gone:
        url = gone.url
    with (
        PayPalProvider(client_id="c", client_secret="s", webhook_id="w", api_base=url) as paypal,
        pytest.raises(ProviderError, match="PayPal token request failed"),
    ):
        start(paypal)
