"""Card and PayPal money reaches the bank in the ledger: Stripe's fee read from the payment's
balance transaction (retried by the worker, booked once), Stripe payouts from their `payout.paid`
event, PayPal's fee from the capture and her PayPal withdrawals from the staff form; the clearing
account ends at zero once the money has arrived. Against the local fakes, over HTTP."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db.models import Sum

from consonance.bookkeeping.models import Voucher, VoucherRow
from consonance.payments import payouts
from consonance.payments.models import FeeFetch, Order, Payout
from consonance.payments.providers.base import ProviderError
from consonance.payments.providers.paypal.adapter import PayPalProvider
from consonance.payments.providers.paypal.fake import PayPalFake
from consonance.payments.providers.stripe.adapter import StripeProvider
from consonance.payments.providers.stripe.fake import StripeFake
from consonance.payments.services import payment_apply_event

pytestmark = pytest.mark.django_db(transaction=True)
HOOK = "/payments/webhooks/stripe/"
NOW = dt.datetime(2026, 3, 16, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def stripe(settings):
    settings.SITE_URL = "https://praktik.example"
    with StripeFake() as fake, time_machine.travel(NOW, tick=True):
        settings.STRIPE_SECRET_KEY = fake.secret_key
        settings.STRIPE_WEBHOOK_SECRET = fake.webhook_secret
        settings.STRIPE_API_BASE = fake.url
        yield fake


def _order(method: str, n: int, amount: str = "900.00") -> Order:
    return Order.objects.create(
        reference=f"PO{n:04d}",
        method=method,
        description="Videokonsultation 50 min",
        amount=Decimal(amount),
        vat_rate=Decimal("25.00"),
        payer_name="Klara Ek",
        payer_email=f"klara{n}@example.se",
    )


def card_payment(stripe: StripeFake, n: int = 1, amount: str = "900.00") -> tuple[Order, str]:
    """An order paid through Checkout: the session is made at the fake, then completed."""
    order = _order("card", n, amount)
    with StripeProvider(
        secret_key=stripe.secret_key, webhook_secret=stripe.webhook_secret, api_base=stripe.url
    ) as provider:
        start = provider.start_payment(
            reference=order.reference,
            amount=order.amount,
            currency="SEK",
            description=order.description,
            payer_email=order.payer_email,
            return_url="https://praktik.example/tack/",
            cancel_url="https://praktik.example/",
            callback_url="https://praktik.example/cb/",
            idempotency_key=f"order-{order.reference}",
        )
    Order.objects.filter(pk=order.pk).update(provider_ref=start.provider_ref)
    return order, start.provider_ref


def deliver(client, body: bytes, headers: dict[str, str]):
    return client.post(
        HOOK,
        data=body,
        content_type="application/json",
        headers={"Stripe-Signature": headers["Stripe-Signature"]},
    )


def clearing(provider: str) -> Decimal:
    total = VoucherRow.objects.filter(account="1580", voucher__provider=provider).aggregate(
        total=Sum("amount")
    )["total"]
    return (total or Decimal(0)).quantize(Decimal("0.01"))


def rows(voucher: Voucher) -> dict[str, Decimal]:
    return {row.account: row.amount for row in voucher.rows.all()}


def test_stripes_fee_is_read_from_the_balance_transaction_and_booked_once(client, stripe):
    order, session = card_payment(stripe)
    body, headers = stripe.complete_session(session)
    assert deliver(client, body, headers).status_code == 200

    [txn] = [t for t in stripe.balance_transactions.values() if t["type"] == "charge"]
    assert len(stripe.requests_to(f"/v1/balance_transactions/{txn['id']}", "GET")) == 1
    fee = Voucher.objects.get(order=order, kind="fee")
    # 1.5 % of 900 kr + 1.80 kr, as Stripe charges it; exempt from VAT, the provider as party
    assert rows(fee) == {"6040": Decimal("15.30"), "1580": Decimal("-15.30")}
    assert fee.source == f"fee:stripe:{txn['id']}" and fee.payer_name == "Stripe"
    assert FeeFetch.objects.get(order=order).fee_ref == txn["id"]

    # Stripe retries the event: nothing is read or booked again.
    assert deliver(client, body, stripe.sign(body)).status_code == 200
    assert Voucher.objects.filter(kind="fee").count() == 1
    assert len(stripe.requests_to(f"/v1/balance_transactions/{txn['id']}", "GET")) == 1


def test_a_fee_stripe_cannot_give_now_is_fetched_by_the_worker_later(client, stripe):
    order, session = card_payment(stripe)
    # Both look-ups after the payment fail: the webhook's read of the intent (card details and,
    # when Stripe has it, the fee) and then the fee's own look-up.
    stripe.fail_next(500)
    stripe.fail_next(500)
    assert deliver(client, *stripe.complete_session(session)).status_code == 200
    fetch = FeeFetch.objects.get(order=order)
    assert (fetch.done_at, fetch.attempts, fetch.error) == (None, 1, "unreachable")
    assert not Voucher.objects.filter(kind="fee").exists()
    assert order.status != Order.Status.PENDING or Order.objects.get(pk=order.pk).amount_paid

    # Not yet due: the worker leaves it alone; five minutes on, it books the fee.
    assert payouts.stripe_fees_retry() == {}
    later = NOW + dt.timedelta(minutes=6)
    assert payouts.stripe_fees_retry(now=later) == {"done": 1}
    assert payouts.stripe_fees_retry(now=later + dt.timedelta(hours=1)) == {}
    assert Voucher.objects.filter(order=order, kind="fee").count() == 1
    # Run by hand once more: the fetch is done and books nothing.
    assert payouts.stripe_fee_fetch(fetch_id=fetch.pk) == "already"
    assert Voucher.objects.filter(kind="fee").count() == 1


def test_an_asynchronous_payment_gets_its_fee_once_it_has_settled(client, stripe):
    order, session = card_payment(stripe)
    assert deliver(client, *stripe.complete_session(session, async_payment=True)).status_code == 200
    assert not FeeFetch.objects.exists()  # not paid yet
    assert deliver(client, *stripe.settle_async_payment(session)).status_code == 200
    assert Voucher.objects.filter(order=order, kind="fee").count() == 1


def test_a_payout_is_booked_from_the_clearing_account_to_the_bank_once(client, stripe):
    _first, session_1 = card_payment(stripe, 1)
    _second, session_2 = card_payment(stripe, 2, "1500.00")
    assert deliver(client, *stripe.complete_session(session_1)).status_code == 200
    assert deliver(client, *stripe.complete_session(session_2)).status_code == 200
    # 900 - 15.30 + 1500 - 24.30 (fees) = 2360.40 held by Stripe
    assert clearing("stripe") == Decimal("2360.40")

    arrival = int(dt.datetime(2026, 3, 18, tzinfo=dt.UTC).timestamp())
    body, headers = stripe.payout_paid(arrival=arrival)
    assert deliver(client, body, headers).status_code == 200
    payout = Payout.objects.get()
    assert (payout.provider, payout.amount, payout.arrived_on) == (
        "stripe",
        Decimal("2360.40"),
        dt.date(2026, 3, 18),
    )
    transfer = Voucher.objects.get(kind="transfer")
    assert rows(transfer) == {"1930": Decimal("2360.40"), "1580": Decimal("-2360.40")}
    assert transfer.date == dt.date(2026, 3, 18) and transfer.source.startswith("payout:stripe:po_")
    assert clearing("stripe") == 0  # everything Stripe held has reached the bank

    assert deliver(client, body, stripe.sign(body)).status_code == 200  # retried by Stripe
    assert Payout.objects.count() == 1 and Voucher.objects.filter(kind="transfer").count() == 1


def test_a_refund_and_its_payout_leave_the_clearing_account_at_zero(client, stripe):
    order, session = card_payment(stripe)
    assert deliver(client, *stripe.complete_session(session)).status_code == 200
    with StripeProvider(
        secret_key=stripe.secret_key, webhook_secret=stripe.webhook_secret, api_base=stripe.url
    ) as provider:
        refund = provider.refund(
            payment_ref=Order.objects.get(pk=order.pk).payment_ref,
            amount=Decimal("400.00"),
            currency="SEK",
            reference=order.reference,
            callback_url="",
            idempotency_key="r-1",
        )
    assert deliver(client, *stripe.refund_event(refund.refund_ref)).status_code == 200
    assert deliver(client, *stripe.payout_paid()).status_code == 200
    assert Payout.objects.get().amount == Decimal("484.70")  # 900 - 15.30 - 400
    assert clearing("stripe") == 0


def test_a_payout_event_that_is_not_a_payout_is_refused(client, stripe):
    body, headers = stripe.event("payout.paid", {"object": "payout", "amount": "lots"})
    assert deliver(client, body, headers).status_code == 400
    assert not Payout.objects.exists()


@pytest.fixture
def paypal(settings):
    with PayPalFake() as fake, time_machine.travel(NOW, tick=True):
        settings.PAYPAL_CLIENT_ID = fake.client_id
        settings.PAYPAL_CLIENT_SECRET = fake.client_secret
        settings.PAYPAL_WEBHOOK_ID = fake.webhook_id
        settings.PAYPAL_API_BASE = fake.url
        yield fake


def paypal_payment(fake: PayPalFake, n: int = 1) -> Order:
    order = _order("paypal", n)
    with PayPalProvider(
        client_id=fake.client_id,
        client_secret=fake.client_secret,
        webhook_id=fake.webhook_id,
        api_base=fake.url,
    ) as provider:
        start = provider.start_payment(
            reference=order.reference,
            amount=order.amount,
            currency="SEK",
            description=order.description,
            payer_email="",
            return_url="https://praktik.example/tack/",
            cancel_url="https://praktik.example/",
            callback_url="",
            idempotency_key=f"order-{order.reference}",
        )
        Order.objects.filter(pk=order.pk).update(provider_ref=start.provider_ref)
        fake.approve(start.provider_ref)
        event = provider.capture(start.provider_ref)
    assert payment_apply_event(provider="paypal", event=event) == "paid"
    return order


def test_paypals_fee_is_booked_and_a_withdrawal_clears_the_balance(staff_client, paypal):
    order = paypal_payment(paypal)
    fee = Voucher.objects.get(order=order, kind="fee")
    assert rows(fee) == {"6040": Decimal("33.85"), "1580": Decimal("-33.85")}  # 3.4 % + 3.25
    assert clearing("paypal") == Decimal("866.15")

    page = staff_client.get("/staff/payments/paypal-uttag/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "PayPal-uttag" in html and "866,15" in html  # what PayPal holds, to withdraw
    form_id = html.split('name="form_id" value="')[1].split('"')[0]
    sent = {"amount": "866,15", "arrived_on": "2026-03-16", "form_id": form_id}
    response = staff_client.post("/staff/payments/paypal-uttag/", sent)
    assert response.status_code == 302
    staff_client.post("/staff/payments/paypal-uttag/", sent)  # sent twice: recorded once
    payout = Payout.objects.get()
    assert (payout.provider, payout.amount, payout.arrived_on) == (
        "paypal",
        Decimal("866.15"),
        dt.date(2026, 3, 16),
    )
    assert rows(Voucher.objects.get(kind="transfer")) == {
        "1930": Decimal("866.15"),
        "1580": Decimal("-866.15"),
    }
    assert clearing("paypal") == 0


@pytest.mark.parametrize(
    ("amount", "day"), [("-5", "2026-03-17"), ("abc", "2026-03-17"), ("100", "2026-13-40")]
)
def test_a_withdrawal_form_with_bad_input_says_so_and_records_nothing(
    staff_client, paypal, amount, day
):
    html = staff_client.get("/staff/payments/paypal-uttag/").content.decode()
    form_id = html.split('name="form_id" value="')[1].split('"')[0]
    response = staff_client.post(
        "/staff/payments/paypal-uttag/",
        {"amount": amount, "arrived_on": day, "form_id": form_id},
    )
    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
    assert not Payout.objects.exists() and not Voucher.objects.filter(kind="transfer").exists()


def test_the_withdrawal_form_is_for_staff_only(client, paypal):
    response = client.get("/staff/payments/paypal-uttag/")
    assert response.status_code in (302, 403, 404)


def test_the_fee_look_up_refuses_an_id_that_is_not_stripes_and_waits_for_a_settling_charge(
    stripe,
):
    _order, session = card_payment(stripe)
    stripe.complete_session(session, async_payment=True)  # the charge has no balance yet
    intent = next(iter(stripe.payment_intents))
    with StripeProvider(
        secret_key=stripe.secret_key, webhook_secret=stripe.webhook_secret, api_base=stripe.url
    ) as provider:
        assert provider.payment_fee(intent) is None
        with pytest.raises(ProviderError):
            provider.payment_fee("../v1/charges")
        stripe.settle_async_payment(session)
        fee = provider.payment_fee(intent)
    assert fee is not None and (fee.amount, fee.currency) == (Decimal("15.30"), "SEK")
    assert fee.fee_ref.startswith("txn_") and fee.at is not None
