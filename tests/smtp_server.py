"""A real SMTP server on loopback for tests (aiosmtpd in a thread), and the pytest fixture (a
plugin: tests/conftest.py registers it for every test).

    def test_something(smtp_server):
        ...                             # settings.MAILERS now points Django's SMTP backend at it
        assert smtp_server.messages[0]["Subject"] == "..."

`stop()` closes the port (connections are refused, as when the SMTP server is down); `start()`
opens it again on the same port. `refuse_recipients = 550` (or 450) makes RCPT TO fail with that
code; `delay` makes each DATA take that many seconds. It offers PIPELINING (RFC 2920) as
Postfix does; `pipelining = False` before `start()` makes it a server that does not.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    """A free port: the first free one in CONSONANCE_TEST_SMTP_PORTS ("26000-26099") when it
    is set (test runs side by side on one machine keeping to their own ports), else any."""
    first, _, last = os.environ.get("CONSONANCE_TEST_SMTP_PORTS", "0-0").partition("-")
    for port in range(int(first), int(last or first) + 1):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise OSError("no free port in CONSONANCE_TEST_SMTP_PORTS")


class _Handler:
    def __init__(self, server: LocalSMTP) -> None:
        self.server = server

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if self.server.pipelining:
            responses.insert(-1, "250-PIPELINING")
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.server.refuse_recipients:
            code = self.server.refuse_recipients
            return f"{code} {'5.1.1' if code >= 500 else '4.2.0'} refused by the test server"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.server.delay:
            await asyncio.sleep(self.server.delay)
        if self.server.before_accept is not None:
            # A test's hook, e.g. to kill the sender before this message is accepted.
            answer = self.server.before_accept(len(self.server.messages))
            if answer:
                return answer
        with self.server.lock:
            self.server.raw.append(envelope.original_content)
            self.server.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            self.server.messages.append(
                message_from_bytes(envelope.original_content, policy=policy.default)
            )
        return "250 Message accepted for delivery"


class LocalSMTP:
    def __init__(self) -> None:
        self.port = free_port()
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refuse_recipients = 0
        self.pipelining = True
        self.delay = 0.0
        self.raw: list[bytes] = []  # each accepted message exactly as received
        self.before_accept = None  # Callable[[int], str | None]: a non-empty answer refuses DATA
        self.lock = threading.Lock()
        self._controller: Controller | None = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    def start(self) -> None:
        if self._controller is None:
            self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)
            self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def mailers(self) -> dict:
        """A MAILERS setting that sends through this server, as production's does (SMTP)."""
        return {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {
                    "host": "127.0.0.1",
                    "port": self.port,
                    "use_tls": False,
                    "timeout": 5,
                },
            }
        }


@pytest.fixture
def smtp_server(settings):
    # aiosmtpd logs each SMTP command, addresses included: that is the test server's log.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    server = LocalSMTP()
    server.start()
    settings.MAILERS = server.mailers()
    yield server
    server.stop()
