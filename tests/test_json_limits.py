"""Every endpoint that parses JSON, over HTTP: a document nested 10 000 deep is answered 400 and a
3 MB body 413, never a 5xx (issue 21, finding 10). Through Caddy: deploy/smoke/run."""

from __future__ import annotations

import base64
import json
import os

import pytest
from django.core import mail

from consonance.accounts.models import PrivateVault
from consonance.lib.jsonlimits import MAX_BYTES, MAX_DEPTH, JsonRefused, nesting_depth, read_json
from consonance.payments.models import OrderEvent
from consonance.payments.providers.paypal.fake import PayPalFake
from consonance.payments.providers.stripe.fake import StripeFake
from consonance.payments.providers.swish.fake import (
    CLIENT_KEY_PASSPHRASE,
    MERCHANT_ALIAS,
    FakeSwishServer,
    make_pki,
)
from tests.factories import member_code

pytestmark = pytest.mark.django_db
DEEP = b"[" * 10_000 + b"]" * 10_000
DEEP_OBJECT = b'{"id": "x", "type": "a", "data": {"object": ' + DEEP + b"}}"
HUGE = b'{"id": "' + b"a" * (3 * 1024 * 1024) + b'"}'


@pytest.fixture
def providers(settings, tmp_path):
    settings.SITE_URL = "https://praktik.example"
    pki = make_pki(tmp_path)
    with StripeFake() as stripe, PayPalFake() as paypal, FakeSwishServer(pki) as swish:
        settings.STRIPE_SECRET_KEY = stripe.secret_key
        settings.STRIPE_WEBHOOK_SECRET = stripe.webhook_secret
        settings.STRIPE_API_BASE = stripe.url
        settings.PAYPAL_CLIENT_ID = paypal.client_id
        settings.PAYPAL_CLIENT_SECRET = paypal.client_secret
        settings.PAYPAL_WEBHOOK_ID = paypal.webhook_id
        settings.PAYPAL_API_BASE = paypal.url
        settings.SWISH_PAYEE_ALIAS = MERCHANT_ALIAS
        settings.SWISH_CERT = str(pki.client_cert)
        settings.SWISH_KEY = str(pki.client_key)
        settings.SWISH_KEY_PASSPHRASE = CLIENT_KEY_PASSPHRASE
        settings.SWISH_CA = str(pki.ca_cert)
        settings.SWISH_API_BASE = swish.base_url
        yield {"stripe": stripe, "paypal": paypal}


def _headers(providers, name: str, body: bytes) -> dict[str, str]:
    """Headers that pass everything checked before the body is parsed: for Stripe a valid
    signature of this very body; PayPal's transmission headers (verified after parsing)."""
    if name == "stripe":
        return {"Stripe-Signature": providers["stripe"].sign(body)["Stripe-Signature"]}
    if name == "paypal":
        sent = providers["paypal"].forge(b'{"id": "x"}')
        return {k: v for k, v in sent.items() if k != "Content-Type"}
    return {}


def _deliver(client, providers, name: str, body: bytes):
    headers = _headers(providers, name, body)
    return client.post(
        f"/payments/webhooks/{name}/", data=body, content_type="application/json", headers=headers
    )


@pytest.mark.parametrize("name", ["stripe", "paypal", "swish"])
@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT], ids=["array", "in-event"])
def test_a_webhook_nested_10_000_deep_is_refused_400(client, providers, name, body):
    assert _deliver(client, providers, name, body).status_code == 400
    assert not OrderEvent.objects.exists()


@pytest.mark.parametrize("name", ["stripe", "paypal", "swish"])
def test_a_3_mb_webhook_is_refused_413(client, providers, name):
    assert _deliver(client, providers, name, HUGE).status_code == 413


@pytest.fixture
def member(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/konto/", {"email": "moa.sten@example.se", "first_name": "Moa", "last_name": "Sten"}
        )
    client.post("/konto/kod/", {"code": member_code(mail.outbox[-1].body)}, follow=True)
    assert client.get("/konto/privat/").status_code == 200


def test_the_vault_refuses_deep_json_400_and_a_3_mb_body_413_and_keeps_nothing(client, member):
    deep = client.post("/konto/privat/data/", DEEP, content_type="application/json")
    assert deep.status_code == 400 and "deeper" in deep.json()["error"]
    huge = client.post("/konto/privat/data/", HUGE, content_type="application/json")
    assert huge.status_code == 413
    assert not PrivateVault.objects.exists()
    vault = {
        "salt": base64.b64encode(os.urandom(16)).decode(),
        "iterations": 600000,
        "wrapped_key": base64.b64encode(os.urandom(60)).decode(),
        "recovery_wrapped_key": base64.b64encode(os.urandom(60)).decode(),
        "ciphertext": base64.b64encode(os.urandom(64 * 1024 * 3 // 4)).decode(),  # the largest
    }
    ok = client.post("/konto/privat/data/", json.dumps(vault), content_type="application/json")
    assert ok.status_code == 200 and PrivateVault.objects.count() == 1


def test_the_reader_counts_depth_outside_strings_only_and_stops_at_the_limit():
    assert nesting_depth('{"a": "[[[[{{{{", "b": [[1]]}') == 3
    assert nesting_depth('["\\"[[[", {"x": []}]') == 3
    nested = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert read_json(nested) == json.loads(nested)
    with pytest.raises(JsonRefused):
        read_json("[" + nested + "]")
    with pytest.raises(JsonRefused):
        read_json(b"\xff\xfe\x00")
    assert len(HUGE) > MAX_BYTES > 64 * 1024 * 2
