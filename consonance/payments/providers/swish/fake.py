"""A local stand-in for the Swish Commerce API: real HTTPS that demands a client certificate.

`make_pki(directory)` writes a throwaway CA, a server certificate for 127.0.0.1/localhost, a
client certificate signed by that CA (key encrypted with `CLIENT_KEY_PASSPHRASE`), and a second
client certificate from an unrelated CA that the fake must refuse.

`FakeSwishServer` listens on an ephemeral port on 127.0.0.1 in a thread, keeps payment requests
and refunds in memory, and offers test hooks: mark a payment PAID/DECLINED/ERROR/CANCELLED,
settle a refund, force the next request to fail with a Swish error code, and build the body
Swish would POST to the callback URL. It does not POST callbacks itself; tests hand the body to
the adapter directly.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import re
import secrets
import ssl
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from consonance.lib.loopback import LoopbackFake, Received

CLIENT_KEY_PASSPHRASE = "swish-test-passphrase"
MERCHANT_ALIAS = "1231181189"
API_PREFIX = "/swish-cpcapi/api/"


# -- certificates -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SwishPki:
    ca_cert: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path  # encrypted with CLIENT_KEY_PASSPHRASE
    rogue_client_cert: Path  # signed by a CA the fake does not trust
    rogue_client_key: Path  # unencrypted
    rogue_ca_cert: Path


def make_pki(directory: Path) -> SwishPki:
    ca_key, ca_cert = _make_ca("Fake Swish Root CA")
    rogue_ca_key, rogue_ca_cert = _make_ca("Somebody Else's CA")
    server_key, server_cert = _make_leaf(
        ca_key,
        ca_cert,
        "localhost",
        ExtendedKeyUsageOID.SERVER_AUTH,
        [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))],
    )
    client_key, client_cert = _make_leaf(
        ca_key, ca_cert, MERCHANT_ALIAS, ExtendedKeyUsageOID.CLIENT_AUTH, []
    )
    rogue_key, rogue_cert = _make_leaf(
        rogue_ca_key, rogue_ca_cert, MERCHANT_ALIAS, ExtendedKeyUsageOID.CLIENT_AUTH, []
    )
    pki = SwishPki(
        ca_cert=directory / "ca.pem",
        server_cert=directory / "server.pem",
        server_key=directory / "server.key",
        client_cert=directory / "client.pem",
        client_key=directory / "client.key",
        rogue_client_cert=directory / "rogue-client.pem",
        rogue_client_key=directory / "rogue-client.key",
        rogue_ca_cert=directory / "rogue-ca.pem",
    )
    _write_cert(pki.ca_cert, ca_cert)
    _write_cert(pki.rogue_ca_cert, rogue_ca_cert)
    _write_cert(pki.server_cert, server_cert)
    _write_key(pki.server_key, server_key)
    _write_cert(pki.client_cert, client_cert)
    _write_key(pki.client_key, client_key, CLIENT_KEY_PASSPHRASE)
    _write_cert(pki.rogue_client_cert, rogue_cert)
    _write_key(pki.rogue_client_key, rogue_key)
    return pki


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _make_ca(common_name: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(_now() - dt.timedelta(minutes=5))
        .not_valid_after(_now() + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def _make_leaf(
    ca_key: ec.EllipticCurvePrivateKey,
    ca_cert: x509.Certificate,
    common_name: str,
    usage: x509.ObjectIdentifier,
    alt_names: list[x509.GeneralName],
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(_now() - dt.timedelta(minutes=5))
        .not_valid_after(_now() + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
    )
    if alt_names:
        builder = builder.add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
    return key, builder.sign(ca_key, hashes.SHA256())


def _write_cert(path: Path, cert: x509.Certificate) -> None:
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey, passphrase: str | None = None) -> None:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase.encode())
        if passphrase
        else serialization.NoEncryption()
    )
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    )


# -- state ------------------------------------------------------------------------------------


def _swish_time() -> str:
    return _now().astimezone(dt.timezone(dt.timedelta(hours=2))).isoformat(timespec="milliseconds")


@dataclass
class FakeRecord:
    """A payment request or refund as Swish would return it from GET."""

    fields: dict[str, Any]

    @property
    def status(self) -> str:
        return str(self.fields["status"])


@dataclass
class _State:
    payments: dict[str, FakeRecord] = field(default_factory=dict)
    refunds: dict[str, FakeRecord] = field(default_factory=dict)
    requests: list[tuple[str, str, str | None]] = field(default_factory=list)  # method, path, CN
    rejected_handshakes: int = 0
    forced_errors: list[tuple[int, str]] = field(default_factory=list)


_ID = r"([0-9A-F]{32})"
_MESSAGE_RE = re.compile(r'[a-zA-ZåäöÅÄÖ0-9 :;.,?!()\-"]{1,50}')


class FakeSwishServer(LoopbackFake):
    keep_alive = False  # one connection, one handshake, per request

    def __init__(self, pki: SwishPki, *, payee_alias: str = MERCHANT_ALIAS) -> None:
        self.pki = pki
        self.payee_alias = payee_alias
        self.state = _State()
        self.lock = threading.Lock()
        # Set by the server thread after a refused handshake; the client may see the TLS
        # alert before the counter moves, so tests wait on this instead of racing it.
        self.handshake_rejected = threading.Event()
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(pki.server_cert), str(pki.server_key))
        context.load_verify_locations(str(pki.ca_cert))
        context.verify_mode = ssl.CERT_REQUIRED  # no client certificate, no conversation
        super().__init__(tls=context)

    @property
    def base_url(self) -> str:
        return self.origin + API_PREFIX

    def handshake_failed(self) -> None:
        with self.lock:
            self.state.rejected_handshakes += 1
        self.handshake_rejected.set()

    # -- test hooks ---------------------------------------------------------------------------

    def fail_next(self, code: str, *, http_status: int = 422) -> None:
        """The next API request answers `http_status` with Swish error `code`."""
        with self.lock:
            self.state.forced_errors.append((http_status, code))

    def mark_paid(self, payment_id: str) -> None:
        self._settle_payment(payment_id, "PAID")

    def mark_declined(self, payment_id: str) -> None:
        self._settle_payment(payment_id, "DECLINED")

    def mark_cancelled(self, payment_id: str) -> None:
        self._settle_payment(payment_id, "CANCELLED")

    def mark_error(self, payment_id: str, code: str) -> None:
        self._settle_payment(payment_id, "ERROR", error_code=code)

    def settle_refund(
        self, refund_id: str, status: str = "PAID", error_code: str | None = None
    ) -> None:
        with self.lock:
            _settle(self.state.refunds[refund_id], status, error_code)

    def callback_body(self, payment_id: str) -> bytes:
        """What Swish POSTs to the payment request's callbackUrl."""
        with self.lock:
            return json.dumps(self.state.payments[payment_id].fields).encode()

    def refund_callback_body(self, refund_id: str) -> bytes:
        with self.lock:
            return json.dumps(self.state.refunds[refund_id].fields).encode()

    def payment(self, payment_id: str) -> FakeRecord:
        with self.lock:
            return self.state.payments[payment_id]

    def refund(self, refund_id: str) -> FakeRecord:
        with self.lock:
            return self.state.refunds[refund_id]

    @property
    def requests(self) -> list[tuple[str, str, str | None]]:
        with self.lock:
            return list(self.state.requests)

    @property
    def rejected_handshakes(self) -> int:
        with self.lock:
            return self.state.rejected_handshakes

    def _settle_payment(self, payment_id: str, status: str, error_code: str | None = None) -> None:
        with self.lock:
            _settle(self.state.payments[payment_id], status, error_code)

    # -- request handling (called from the handler thread) ------------------------------------

    def serve(self, request: Received, target: str) -> tuple[int, dict[str, str], Any]:
        with self.lock:
            self.state.requests.append((request.method, target, request.client_cn))
            if self.state.forced_errors:
                status, code = self.state.forced_errors.pop(0)
                return status, {}, [_error(code)]
            return self._route(request.method, target.removeprefix(API_PREFIX), request.body)

    def _route(self, method: str, path: str, body: bytes) -> tuple[int, dict[str, str], Any]:
        if method == "PUT" and (m := re.fullmatch(rf"v2/paymentrequests/{_ID}", path)):
            return self._create_payment(m.group(1), body)
        if method == "GET" and (m := re.fullmatch(rf"v1/paymentrequests/{_ID}", path)):
            return _found(self.state.payments.get(m.group(1)))
        if method == "PUT" and (m := re.fullmatch(rf"v2/refunds/{_ID}", path)):
            return self._create_refund(m.group(1), body)
        if method == "GET" and (m := re.fullmatch(rf"v1/refunds/{_ID}", path)):
            return _found(self.state.refunds.get(m.group(1)))
        return 404, {}, None

    def _create_payment(self, payment_id: str, body: bytes) -> tuple[int, dict[str, str], Any]:
        data = _load(body)
        if data is None:
            return 400, {}, None
        if payment_id in self.state.payments:
            return 422, {}, [_error("RP09")]
        errors = _validate_common(data, self.payee_alias, alias_field="payeeAlias")
        if "payerAlias" in data and not re.fullmatch(r"[1-9]\d{7,14}", str(data["payerAlias"])):
            errors.append(_error("BE18"))
        ref = data.get("payeePaymentReference")
        if ref is not None and not re.fullmatch(r"[0-9A-Za-z\-]{1,35}", str(ref)):
            errors.append(_error("FF08"))
        if errors:
            return 422, {}, errors
        self.state.payments[payment_id] = FakeRecord(
            {
                "id": payment_id,
                "payeePaymentReference": data.get("payeePaymentReference"),
                "paymentReference": None,
                "callbackUrl": data["callbackUrl"],
                "payerAlias": data.get("payerAlias"),
                "payeeAlias": data["payeeAlias"],
                "amount": float(data["amount"]),
                "currency": data["currency"],
                "message": data.get("message"),
                "status": "CREATED",
                "dateCreated": _swish_time(),
                "datePaid": None,
                "errorCode": None,
                "errorMessage": None,
            }
        )
        headers = {"Location": f"{API_PREFIX}v1/paymentrequests/{payment_id}"}
        if "payerAlias" not in data:  # m-commerce: the app switch needs a token
            headers["PaymentRequestToken"] = secrets.token_hex(16)
        return 201, headers, None

    def _create_refund(self, refund_id: str, body: bytes) -> tuple[int, dict[str, str], Any]:
        data = _load(body)
        if data is None:
            return 400, {}, None
        if refund_id in self.state.refunds:
            return 422, {}, [_error("RP09")]
        errors = _validate_common(data, self.payee_alias, alias_field="payerAlias")
        original = self._paid_payment(str(data.get("originalPaymentReference", "")))
        if original is None:
            errors.append(_error("RF02"))
        elif not errors and float(data["amount"]) > self._refundable(original):
            errors.append(_error("RF08"))
        if errors:
            return 422, {}, errors
        self.state.refunds[refund_id] = FakeRecord(
            {
                "id": refund_id,
                "payerPaymentReference": data.get("payerPaymentReference"),
                "originalPaymentReference": data["originalPaymentReference"],
                "paymentReference": None,
                "callbackUrl": data["callbackUrl"],
                "payerAlias": data["payerAlias"],
                "payeeAlias": None,
                "amount": float(data["amount"]),
                "currency": data["currency"],
                "message": data.get("message"),
                "status": "CREATED",
                "dateCreated": _swish_time(),
                "datePaid": None,
                "errorCode": None,
                "errorMessage": None,
            }
        )
        return 201, {"Location": f"{API_PREFIX}v1/refunds/{refund_id}"}, None

    def _paid_payment(self, payment_reference: str) -> FakeRecord | None:
        for record in self.state.payments.values():
            if record.status == "PAID" and record.fields["paymentReference"] == payment_reference:
                return record
        return None

    def _refundable(self, original: FakeRecord) -> float:
        refunded = sum(
            r.fields["amount"]
            for r in self.state.refunds.values()
            if r.fields["originalPaymentReference"] == original.fields["paymentReference"]
            and r.status not in ("DECLINED", "ERROR")
        )
        return float(original.fields["amount"]) - refunded


def _validate_common(
    data: dict[str, Any], merchant: str, *, alias_field: str
) -> list[dict[str, Any]]:
    errors = []
    if not str(data.get("callbackUrl", "")).startswith("https://"):
        errors.append(_error("RP03"))
    if not data.get(alias_field):
        errors.append(_error("RP01"))
    elif data[alias_field] != merchant:
        errors.append(_error("ACMT07"))
    if not re.fullmatch(r"\d{1,12}(\.\d{1,2})?", str(data.get("amount", ""))):
        errors.append(_error("PA02"))
    if data.get("currency") != "SEK":
        errors.append(_error("AM03"))
    if "message" in data and not _MESSAGE_RE.fullmatch(str(data["message"])):
        errors.append(_error("RP02"))
    return errors


def _error(code: str) -> dict[str, Any]:
    return {"errorCode": code, "errorMessage": f"Swish says {code}", "additionalInformation": None}


def _found(record: FakeRecord | None) -> tuple[int, dict[str, str], Any]:
    if record is None:
        return 404, {}, None
    return 200, {}, dict(record.fields)


def _load(body: bytes) -> dict[str, Any] | None:
    try:
        data = json.loads(body)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _settle(record: FakeRecord, status: str, error_code: str | None) -> None:
    """A payment request or a refund reaching `status`, as Swish records it."""
    record.fields["status"] = status
    if status == "PAID":
        record.fields["paymentReference"] = secrets.token_hex(16).upper()
        record.fields["datePaid"] = _swish_time()
    if error_code:
        record.fields["errorCode"] = error_code
        record.fields["errorMessage"] = f"Swish says {error_code}"
