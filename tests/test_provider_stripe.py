"""The Stripe Checkout adapter against a local fake Stripe (no database, real HTTP)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from consonance.payments.providers.base import ProviderError, WebhookRejected
from consonance.payments.providers.stripe.adapter import (
    API_VERSION,
    IgnoredEvent,
    StripeAPIError,
    StripeProvider,
)
from consonance.payments.providers.stripe.fake import StripeFake

PAYER_EMAIL = "klient@example.se"


@pytest.fixture
def fake() -> Iterator[StripeFake]:
    with StripeFake() as running:
        yield running


@pytest.fixture
def stripe(fake: StripeFake) -> Iterator[StripeProvider]:
    with StripeProvider(
        secret_key=fake.secret_key,
        webhook_secret=fake.webhook_secret,
        api_base=fake.url,
        timeout=5,
    ) as provider:
        yield provider


def now() -> datetime:
    return datetime.now(UTC)


def start(stripe: StripeProvider, *, reference: str = "B-1001", key: str = "start-B-1001"):
    return stripe.start_payment(
        reference=reference,
        amount=Decimal("500.00"),
        currency="SEK",
        description="Samtal 50 min",
        payer_email=PAYER_EMAIL,
        return_url="https://praktik.example/pay/done?session={CHECKOUT_SESSION_ID}",
        cancel_url="https://praktik.example/pay/cancelled",
        callback_url="https://praktik.example/hooks/stripe",
        idempotency_key=key,
    )


def paid(stripe: StripeProvider, fake: StripeFake, **complete_kwargs):
    session_id = start(stripe).provider_ref
    body, headers = fake.complete_session(session_id, **complete_kwargs)
    return stripe.parse_callback(body=body, headers=headers, now=now())


# -- Starting and completing a payment ------------------------------------------------------


def test_start_payment_creates_a_checkout_session_in_ore_with_our_reference(stripe, fake):
    result = start(stripe)

    assert result.provider_ref in fake.sessions
    assert result.redirect_url == fake.sessions[result.provider_ref]["url"]
    sent = fake.requests_to("/v1/checkout/sessions")[0]
    assert sent.headers["idempotency-key"] == "start-B-1001"
    assert sent.params["mode"] == "payment"
    assert sent.params["client_reference_id"] == "B-1001"
    assert sent.params["metadata"] == {"reference": "B-1001"}
    assert sent.params["customer_email"] == PAYER_EMAIL
    assert sent.params["line_items"] == [
        {
            "quantity": "1",
            "price_data": {
                "currency": "sek",
                "unit_amount": "50000",
                "product_data": {"name": "Samtal 50 min"},
            },
        }
    ]


def test_every_request_names_the_api_version_it_was_written_for(stripe, fake):
    refund(stripe, paid(stripe, fake).payment_ref, "100.00")

    assert len(fake.requests) >= 2
    assert {r.headers.get("stripe-version") for r in fake.requests} == {API_VERSION}


def test_completed_session_becomes_a_paid_event_with_payment_intent_and_payer(stripe, fake):
    event = paid(stripe, fake, payer_name="Anna Andersson")

    session = next(iter(fake.sessions.values()))
    assert event.kind == "paid"
    assert event.raw_type == "checkout.session.completed"
    assert event.event_id.startswith("evt_")
    assert event.provider_ref == session["id"]
    assert event.payment_ref == session["payment_intent"]
    assert event.amount == Decimal("500.00")
    assert event.currency == "SEK"
    assert event.payer_name == "Anna Andersson"
    assert event.payer_email == PAYER_EMAIL
    assert event.extra["reference"] == "B-1001"
    assert event.occurred_at is not None and event.occurred_at.tzinfo is not None


def test_card_last4_and_month_end_expiry_are_read_from_the_intents_latest_charge(stripe, fake):
    # Stripe's event names the payment intent by id: the adapter reads it, latest charge expanded.
    plain = paid(stripe, fake, card_last4="1881", card_exp=(2, 2028))
    expanded = paid(stripe, fake, expand_payment_intent=True, card_exp=(2, 2028))

    assert (plain.card_last4, plain.card_expiry) == ("1881", date(2028, 2, 29))
    [read] = [r for r in fake.requests if r.method == "GET"]
    assert read.path == f"/v1/payment_intents/{plain.payment_ref}"
    assert read.params["expand"] == ["latest_charge.balance_transaction"]
    assert expanded.card_last4 == "4242"
    assert expanded.card_expiry == date(2028, 2, 29)
    assert "cvc" not in repr(expanded).lower() and "cvc" not in repr(plain).lower()


def test_a_failed_card_look_up_still_counts_the_payment(stripe, fake):
    session_id = start(stripe).provider_ref
    body, headers = fake.complete_session(session_id)
    fake.fail_next(500)  # the look-up of the payment intent
    event = stripe.parse_callback(body=body, headers=headers, now=now())
    assert event.kind == "paid" and event.amount == Decimal("500.00")
    assert (event.card_last4, event.card_expiry) == (None, None)


def test_same_return_url_template_is_filled_in_with_the_session_id(stripe, fake):
    session_id = start(stripe).provider_ref
    fake.complete_session(session_id)

    assert fake.success_url(session_id).endswith(f"?session={session_id}")


def test_repeating_a_start_with_the_same_idempotency_key_returns_the_same_session(stripe, fake):
    first = start(stripe)
    second = start(stripe)

    assert first == second
    assert len(fake.sessions) == 1


def test_an_over_long_idempotency_key_is_shortened_deterministically(stripe, fake):
    first = start(stripe, key="k" * 300)
    second = start(stripe, key="k" * 300)

    sent = fake.requests_to("/v1/checkout/sessions")
    assert all(len(r.headers["idempotency-key"]) <= 255 for r in sent)
    assert first == second


def test_amounts_finer_than_one_ore_are_refused_before_calling_stripe(stripe, fake):
    with pytest.raises(ValueError):
        stripe.start_payment(
            reference="B-1",
            amount=Decimal("10.005"),
            currency="SEK",
            description="x",
            payer_email=PAYER_EMAIL,
            return_url="https://x/ok",
            cancel_url="https://x/no",
            callback_url="https://x/hook",
            idempotency_key="k",
        )
    assert fake.requests == []


def test_async_payment_is_pending_until_it_settles(stripe, fake):
    session_id = start(stripe).provider_ref
    body, headers = fake.complete_session(session_id, async_payment=True)
    pending = stripe.parse_callback(body=body, headers=headers, now=now())
    body, headers = fake.settle_async_payment(session_id, succeeded=True)
    settled = stripe.parse_callback(body=body, headers=headers, now=now())

    assert pending.kind == "pending"
    assert settled.kind == "paid"
    assert settled.payment_ref == pending.payment_ref
    assert settled.event_id != pending.event_id


def test_failed_async_payment_is_a_failed_event(stripe, fake):
    session_id = start(stripe).provider_ref
    fake.complete_session(session_id, async_payment=True)
    body, headers = fake.settle_async_payment(session_id, succeeded=False)

    assert stripe.parse_callback(body=body, headers=headers, now=now()).kind == "failed"


def test_expired_session_is_a_cancelled_event(stripe, fake):
    session_id = start(stripe).provider_ref
    body, headers = fake.expire_session(session_id)
    event = stripe.parse_callback(body=body, headers=headers, now=now())

    assert (event.kind, event.provider_ref, event.payment_ref) == ("cancelled", session_id, None)


def test_an_event_type_we_do_not_handle_is_ignored_not_misread(stripe, fake):
    body, headers = fake.event("customer.created", {"id": "cus_1", "object": "customer"})

    with pytest.raises(IgnoredEvent):
        stripe.parse_callback(body=body, headers=headers, now=now())


# -- Webhook verification ---------------------------------------------------------------------


def completed_webhook(stripe: StripeProvider, fake: StripeFake, **kwargs):
    session_id = start(stripe).provider_ref
    return fake.complete_session(session_id, payer_email=PAYER_EMAIL, **kwargs)


def rejection(stripe: StripeProvider, body: bytes, headers: dict[str, str], at: datetime):
    with pytest.raises(WebhookRejected) as caught:
        stripe.parse_callback(body=body, headers=headers, now=at)
    assert PAYER_EMAIL not in str(caught.value)
    assert "Test Payer" not in str(caught.value)
    return str(caught.value)


def test_a_tampered_body_is_refused(stripe, fake):
    body, headers = completed_webhook(stripe, fake)
    tampered = body.replace(b'"amount_total": 50000', b'"amount_total": 100')

    assert tampered != body
    assert "signature" in rejection(stripe, tampered, headers, now())


def test_a_tampered_signature_is_refused(stripe, fake):
    body, headers = completed_webhook(stripe, fake)
    t, v1 = headers["Stripe-Signature"].split(",")
    flipped = v1[:-1] + ("0" if v1[-1] != "0" else "1")

    rejection(stripe, body, {"Stripe-Signature": f"{t},{flipped}"}, now())


def test_a_webhook_signed_with_another_secret_is_refused(stripe, fake):
    body, _ = completed_webhook(stripe, fake)
    headers = fake.sign(body, secret="whsec_someone_else")

    rejection(stripe, body, headers, now())


def test_a_timestamp_older_than_five_minutes_is_refused(stripe, fake):
    body, headers = completed_webhook(stripe, fake)

    assert "tolerance" in rejection(stripe, body, headers, now() + timedelta(seconds=301))
    assert stripe.parse_callback(body=body, headers=headers, now=now() + timedelta(seconds=290))


def test_a_timestamp_from_the_future_is_refused(stripe, fake):
    body, headers = completed_webhook(stripe, fake)

    rejection(stripe, body, headers, now() - timedelta(seconds=301))


def test_a_missing_signature_header_is_refused(stripe, fake):
    body, _ = completed_webhook(stripe, fake)

    assert "missing" in rejection(stripe, body, {"Content-Type": "application/json"}, now())


@pytest.mark.parametrize(
    "header",
    ["garbage", "t=abc,v1=00", "v1=00", "t=1700000000", "t=1700000000,v0=00"],
)
def test_a_malformed_signature_header_is_refused(stripe, fake, header):
    body, _ = completed_webhook(stripe, fake)

    rejection(stripe, body, {"Stripe-Signature": header}, now())


def test_a_correctly_signed_but_malformed_json_body_is_refused(stripe, fake):
    for body in (b"{not json", b"[1, 2]", b'{"id": "evt_1", "type": "x"}', b"\xff\xfe"):
        assert "signature" not in rejection(stripe, body, fake.sign(body), now())


def test_header_names_are_matched_case_insensitively(stripe, fake):
    body, headers = completed_webhook(stripe, fake)

    event = stripe.parse_callback(
        body=body, headers={"stripe-signature": headers["Stripe-Signature"]}, now=now()
    )
    assert event.kind == "paid"


def test_one_matching_v1_among_several_is_enough(stripe, fake):
    # During a secret roll Stripe signs with the old and the new secret.
    body, headers = completed_webhook(stripe, fake)
    old = fake.sign(body, secret="whsec_old")["Stripe-Signature"].split(",")[1]

    both = {"Stripe-Signature": f"{headers['Stripe-Signature']},{old}"}
    assert stripe.parse_callback(body=body, headers=both, now=now()).kind == "paid"


def test_a_redelivered_event_keeps_its_event_id(stripe, fake):
    body, headers = completed_webhook(stripe, fake)
    first = stripe.parse_callback(body=body, headers=headers, now=now())
    retry_headers = fake.sign(body, timestamp=int(now().timestamp()) + 60)
    second = stripe.parse_callback(body=body, headers=retry_headers, now=now())

    assert retry_headers != headers
    assert first.event_id == second.event_id == json.loads(body)["id"]
    assert first == second


def test_a_naive_now_is_a_programming_error(stripe, fake):
    body, headers = completed_webhook(stripe, fake)

    with pytest.raises(ValueError):
        stripe.parse_callback(body=body, headers=headers, now=datetime(2030, 1, 1))


# -- Refunds --------------------------------------------------------------------------------


def refund(stripe: StripeProvider, payment_ref: str, amount: str, key: str = "refund-1"):
    return stripe.refund(
        payment_ref=payment_ref,
        amount=Decimal(amount),
        currency="SEK",
        reference="B-1001",
        callback_url="https://praktik.example/hooks/stripe",
        idempotency_key=key,
    )


def test_a_full_refund_is_done_and_confirmed_by_webhook(stripe, fake):
    payment = paid(stripe, fake)
    result = refund(stripe, payment.payment_ref, "500.00")
    body, headers = fake.refund_event(result.refund_ref)
    event = stripe.parse_callback(body=body, headers=headers, now=now())

    assert result.status == "done"
    sent = fake.requests_to("/v1/refunds")[0]
    assert sent.params["amount"] == "50000"
    assert sent.params["payment_intent"] == payment.payment_ref
    assert sent.headers["idempotency-key"] == "refund-1"
    assert event.kind == "refunded"
    assert event.provider_ref == result.refund_ref
    assert event.payment_ref == payment.payment_ref
    assert event.amount == Decimal("500.00")
    assert event.extra["fully_refunded"] == "true"
    assert event.extra["reference"] == "B-1001"


def test_partial_refunds_add_up_on_the_charge(stripe, fake):
    payment = paid(stripe, fake)
    first = refund(stripe, payment.payment_ref, "150.00", key="r1")
    second = refund(stripe, payment.payment_ref, "100.50", key="r2")
    body, headers = fake.refund_event(second.refund_ref)
    event = stripe.parse_callback(body=body, headers=headers, now=now())

    assert first.refund_ref != second.refund_ref
    assert [r.params["amount"] for r in fake.requests_to("/v1/refunds")] == ["15000", "10050"]
    assert event.provider_ref == second.refund_ref
    assert event.amount == Decimal("250.50")  # the total refunded so far
    assert event.extra["refunded_total"] == "250.50"
    assert event.extra["fully_refunded"] == "false"


def test_a_refund_larger_than_what_is_left_is_a_provider_error(stripe, fake):
    payment = paid(stripe, fake)
    refund(stripe, payment.payment_ref, "400.00", key="r1")

    with pytest.raises(StripeAPIError) as caught:
        refund(stripe, payment.payment_ref, "200.00", key="r2")
    assert caught.value.status == 400
    assert caught.value.code == "amount_too_large"


def test_a_pending_refund_is_reported_as_pending(stripe, fake):
    payment = paid(stripe, fake)
    fake.refund_status = "pending"

    assert refund(stripe, payment.payment_ref, "500.00").status == "pending"


def test_a_refund_that_bounces_later_is_a_refund_failed_event(stripe, fake):
    payment = paid(stripe, fake)
    result = refund(stripe, payment.payment_ref, "500.00")
    body, headers = fake.fail_refund(result.refund_ref)
    event = stripe.parse_callback(body=body, headers=headers, now=now())

    assert event.kind == "refund_failed"
    assert event.provider_ref == result.refund_ref
    assert event.payment_ref == payment.payment_ref


# -- Provider errors --------------------------------------------------------------------------


@pytest.mark.parametrize("status", [400, 402, 429, 500, 503])
def test_stripe_errors_raise_provider_error_without_personal_data(stripe, fake, status):
    # Stripe's messages can echo what we sent; the adapter must not pass them on.
    fake.fail_next(
        status,
        path="/v1/checkout/sessions",
        error_type="invalid_request_error" if status < 500 else "api_error",
        code="email_invalid" if status < 500 else None,
        message=f"Invalid email address: {PAYER_EMAIL}",
    )

    with pytest.raises(ProviderError) as caught:
        start(stripe)
    message = str(caught.value)
    assert PAYER_EMAIL not in message
    assert "Samtal" not in message
    assert f"HTTP {status}" in message
    assert "req_" in message  # Stripe's request id, for support


def test_a_non_json_error_body_is_still_a_provider_error(stripe, fake):
    fake.fail_next(502, path="/v1/refunds")
    fake._failures[-1].body = {}  # an empty object: no error block at all

    with pytest.raises(ProviderError, match="HTTP 502"):
        refund(stripe, "pi_missing", "1.00")


def test_a_wrong_api_key_is_a_provider_error(fake):
    with (
        StripeProvider(secret_key="sk_wrong", webhook_secret="x", api_base=fake.url) as wrong,
        pytest.raises(StripeAPIError) as caught,
    ):
        start(wrong)
    assert caught.value.status == 401


def test_an_unreachable_stripe_is_a_provider_error():
    with StripeFake() as gone:
        url = gone.url
    with (
        StripeProvider(secret_key="sk", webhook_secret="x", api_base=url, timeout=2) as stripe,
        pytest.raises(ProviderError, match="Stripe create session failed"),
    ):
        start(stripe)


def test_a_refund_event_without_a_refund_list_falls_back_to_the_charge_id(stripe, fake):
    # Recent API versions no longer list refunds on the charge.
    payment = paid(stripe, fake)
    result = refund(stripe, payment.payment_ref, "100.00")
    charge = dict(fake.charges[fake.refunds[result.refund_ref]["charge"]])
    del charge["refunds"]
    body, headers = fake.event("charge.refunded", charge)
    event = stripe.parse_callback(body=body, headers=headers, now=now())

    assert (event.kind, event.provider_ref) == ("refunded", charge["id"])
    assert event.payment_ref == payment.payment_ref
    assert event.amount == Decimal("100.00")
