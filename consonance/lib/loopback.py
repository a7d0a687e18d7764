"""The base of the outside-service fakes (test code, kept in the package because the payment
providers' fakes live in their folders): a real HTTP(S) listener on 127.0.0.1 at a free port, in
a daemon thread, answering JSON, recording every request.

A fake subclasses `LoopbackFake` and implements `handle(method, target, headers, body)` (headers
with lower-case names), answering a `Reply` or a tuple `(status, body)` / `(status, headers,
body)`; a body of None is sent as no body at all. `serve()` is the hook for a fake that needs more
of the request (the client certificate's name). `received` lists every request as it came, for
tests of the client side (lib/http.py's).

    with MyFake() as fake:          # start() ... stop()
        client = Adapter(base_url=fake.origin)
"""

from __future__ import annotations

import base64
import json
import socket
import ssl
import sys
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import urlsplit


@dataclass
class Reply:
    status: int
    body: Any = None  # JSON; None: an empty body
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, answer: Reply | tuple) -> Reply:
        if isinstance(answer, Reply):
            return answer
        if len(answer) == 3:
            status, headers, body = answer
            return cls(status, body, headers)
        status, body = answer
        return cls(status, body)


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    query: str
    headers: dict[str, str]  # lower-case names
    body: bytes
    client_cn: str | None = None  # the client certificate's common name (mutual TLS)


class LoopbackFake:
    """Lifecycle, port and JSON plumbing; subclasses hold the service's state and rules."""

    # Reuse connections (HTTP/1.1) as the real services do; a fake that wants one connection
    # per request (each a fresh TLS handshake, say) sets False.
    keep_alive = True
    scheme = "http"

    def __init__(self, *, tls: ssl.SSLContext | None = None) -> None:
        self.received: list[Received] = []
        self._received_lock = threading.Lock()
        handler = _KeepAliveHandler if self.keep_alive else _Handler
        if tls is not None:
            self.scheme = "https"
            self._httpd: _Server = _TLSServer(("127.0.0.1", 0), handler, self, tls)
        else:
            self._httpd = _Server(("127.0.0.1", 0), handler, self)
        self._thread: threading.Thread | None = None

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> Self:
        # A short poll interval keeps shutdown (and so each test's teardown) quick.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._thread is not None

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def origin(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    # -- what subclasses fill in ---------------------------------------------------------------

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Any:
        raise NotImplementedError

    def serve(self, request: Received, target: str) -> Reply | tuple:
        return self.handle(request.method, target, request.headers, request.body)

    def reply_headers(self) -> dict[str, str]:
        """Headers on every answer (a request id, say)."""
        return {}

    def handshake_failed(self) -> None:
        """A client's TLS handshake was refused (no or an unknown client certificate)."""

    # -- called from the server threads --------------------------------------------------------

    def _answer(self, request: Received, target: str) -> Reply:
        with self._received_lock:
            self.received.append(request)
        return Reply.of(self.serve(request, target))


def bearer_token(headers: dict[str, str]) -> str | None:
    """The token of `Authorization: Bearer …` (headers with lower-case names), else None."""
    value = headers.get("authorization", "")
    return value.removeprefix("Bearer ") if value.startswith("Bearer ") else None


def basic_credentials(headers: dict[str, str]) -> tuple[str, str] | None:
    """(user, password) of `Authorization: Basic …`, else None."""
    value = headers.get("authorization", "")
    if not value.startswith("Basic "):
        return None
    try:
        user, _, password = base64.b64decode(value.removeprefix("Basic ")).decode().partition(":")
    except ValueError:
        return None
    return user, password


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], fake: LoopbackFake
    ) -> None:
        super().__init__(address, handler)
        self.fake = fake

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a client that gave up waiting
            super().handle_error(request, client_address)


class _TLSServer(_Server):
    def __init__(
        self,
        address: tuple[str, int],
        handler: type[BaseHTTPRequestHandler],
        fake: LoopbackFake,
        context: ssl.SSLContext,
    ) -> None:
        super().__init__(address, handler, fake)
        self.context = context

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, address = super().get_request()
        # Handshake later, in the request thread, so one slow client cannot stall accept().
        return self.context.wrap_socket(
            sock, server_side=True, do_handshake_on_connect=False
        ), address

    def finish_request(self, request: Any, client_address: Any) -> None:
        try:
            request.settimeout(5)
            request.do_handshake()
        except (ssl.SSLError, OSError):
            self.fake.handshake_failed()
            return
        super().finish_request(request, client_address)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that hang up mid-request are not the test's business


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    # Headers and body go out in two writes; with Nagle on, each reply waits for a delayed ACK.
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def _dispatch(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        split = urlsplit(self.path)
        request = Received(
            method=self.command,
            path=split.path,
            query=split.query,
            headers={key.lower(): value for key, value in self.headers.items()},
            body=self.rfile.read(length) if length else b"",
            client_cn=self._client_cn(),
        )
        fake = self.server.fake
        reply = fake._answer(request, self.path)
        raw = b"" if reply.body is None else json.dumps(reply.body).encode()
        self.send_response(reply.status)
        if raw:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        for name, value in {**fake.reply_headers(), **reply.headers}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(raw)

    def _client_cn(self) -> str | None:
        if not isinstance(self.request, ssl.SSLSocket):
            return None
        cert: dict[str, Any] | None = self.request.getpeercert()  # type: ignore[assignment]
        for rdn in cert.get("subject", ()) if cert else ():
            for key, value in rdn:
                if key == "commonName":
                    return str(value)
        return None

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output quiet


class _KeepAliveHandler(_Handler):
    protocol_version = "HTTP/1.1"
